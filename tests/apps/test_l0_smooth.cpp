// L0 smoothing (filters/l0_smooth.hpp): a constant stays constant; a noisy
// step becomes a clean step (two flat regions, the edge where it was).
#include <doctest/doctest.h>

#include <random>

#include "ismooth/filters/l0_smooth.hpp"

using namespace ismooth;
using namespace ismooth::filters;

TEST_CASE("l0_smooth: constant image stays constant") {
  const Image<float> c = make_image<float>(7, 9, 120.f);
  for (float v : l0_smooth(c)) CHECK(v == doctest::Approx(120.f).epsilon(1e-5));
}

TEST_CASE("l0_smooth: a noisy step becomes two flat regions with the edge kept") {
  const std::size_t h = 12, w = 16;
  Image<float> img = make_image<float>(h, w);
  std::mt19937 rng(5);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x)
        img(c, y, x) = (x < w / 2 ? 60.f : 190.f) + float(int(rng() % 7) - 3);
  const Image<float> s = l0_smooth(img);
  for (std::size_t c = 0; c < 3; ++c) {
    double lo_min = 1e9, lo_max = -1e9, hi_min = 1e9, hi_max = -1e9;
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const double v = s(c, y, x);
        if (x < w / 2) lo_min = std::min(lo_min, v), lo_max = std::max(lo_max, v);
        else hi_min = std::min(hi_min, v), hi_max = std::max(hi_max, v);
      }
    CHECK(lo_max - lo_min < 1.0);  // the ±3 noise is gone
    CHECK(hi_max - hi_min < 1.0);
    CHECK(lo_max == doctest::Approx(60).epsilon(0.03));
    CHECK(hi_min == doctest::Approx(190).epsilon(0.03));
  }
}
