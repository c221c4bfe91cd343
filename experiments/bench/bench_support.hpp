#pragma once
// What the benchmarks share: real photo content at any size, and the
// process's peak resident memory.

#include <cstddef>
#include <fstream>
#include <string>

#include "ismooth/image.hpp"

namespace ismooth::bench {

/// The photo mirrored/tiled to h × w, so every size shows real image content.
template <class Scalar>
Image<Scalar> photo_at(const Image<float>& photo, std::size_t h, std::size_t w) {
  Image<Scalar> out = make_image<Scalar>(h, w);
  const std::size_t ph = height(photo), pw = width(photo);
  auto mirror = [](std::size_t v, std::size_t n) {
    const std::size_t period = 2 * n, m = v % period;
    return m < n ? m : period - 1 - m;
  };
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x)
        out(c, y, x) = Scalar(photo(c, mirror(y, ph), mirror(x, pw)));
  return out;
}

/// VmHWM of this process in MiB (0 where /proc is unavailable).
inline double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

}  // namespace ismooth::bench
