#pragma once
/// \file
/// Separable Gaussian blur of a plane, the smoothing inside the XDoG edges
/// (apps/xdog.hpp). Kernel: exp(−x²/(2σ²)) sampled on [−⌈3σ⌉, ⌈3σ⌉],
/// normalised to sum 1; borders replicate the edge pixel, so a constant
/// plane stays constant (to float rounding).

#include <algorithm>
#include <cmath>
#include <vector>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth::apps {

/// `plane` (H, W) blurred by a Gaussian of standard deviation `sigma` pixels
/// (> 0, finite).
inline Plane<float> gaussian_blur(const Plane<float>& plane, double sigma) {
  require(std::isfinite(sigma) && sigma > 0, "gaussian_blur: sigma must be finite and > 0, got ",
          sigma);
  const int r = int(std::ceil(3 * sigma));
  std::vector<double> k(std::size_t(2 * r + 1));
  double sum = 0;
  for (int i = -r; i <= r; ++i) sum += k[std::size_t(i + r)] = std::exp(-double(i * i) / (2 * sigma * sigma));
  for (double& v : k) v /= sum;
  const int h = int(height(plane)), w = int(width(plane));
  Plane<float> tmp(plane.shape()), out(plane.shape());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double s = 0;
      for (int i = -r; i <= r; ++i) s += k[std::size_t(i + r)] * plane(y, std::clamp(x + i, 0, w - 1));
      tmp(y, x) = float(s);
    }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double s = 0;
      for (int i = -r; i <= r; ++i) s += k[std::size_t(i + r)] * tmp(std::clamp(y + i, 0, h - 1), x);
      out(y, x) = float(s);
    }
  return out;
}

}  // namespace ismooth::apps
