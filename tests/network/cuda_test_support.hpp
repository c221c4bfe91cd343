#pragma once
// Helpers of the CUDA tests: skipping where the build has no CUDA engine or
// the machine has no device (they must never fail there), and error measures.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "ismooth/network/network.hpp"

namespace ismooth::test {

/// True if make_network(EngineKind::cuda) can work here; otherwise `*why`.
inline bool have_cuda_engine(std::string* why) {
  return network::engine_available(network::EngineKind::cuda, why);
}

#define ISMOOTH_REQUIRE_CUDA()                                                   \
  do {                                                                           \
    std::string why_no_cuda;                                                     \
    if (!ismooth::test::have_cuda_engine(&why_no_cuda)) {                        \
      MESSAGE("skipped: the CUDA engine cannot run here: " << why_no_cuda);      \
      return;                                                                    \
    }                                                                            \
  } while (0)

/// max |a − b| / max |b| over n values (b the reference); 0 if both are 0.
inline double max_relative_error(const float* a, const float* b, std::size_t n) {
  double diff = 0, scale = 0;
  for (std::size_t k = 0; k < n; ++k) {
    diff = std::max(diff, std::abs(double(a[k]) - double(b[k])));
    scale = std::max(scale, std::abs(double(b[k])));
  }
  return scale > 0 ? diff / scale : diff;
}

}  // namespace ismooth::test
