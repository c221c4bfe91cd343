#pragma once
/// \file
/// A literal, single-threaded transcription of the flattening term of
/// docs/spec/energy.md §5 and §10: ordered pairs over the full window, weights computed
/// per pair with std::exp, penalties with std::pow. Slow on purpose. It is the
/// yardstick that tests hold the vectorised kernel to and that the energy
/// benchmark measures the kernel against; it shares no code with it.

#include <cmath>
#include <vector>

#include "ismooth/energy_params.hpp"
#include "ismooth/image.hpp"

namespace ismooth::reference {

/// E_f(T) for input I, edge map B and L2 mask M (all held fixed). If `g` is
/// given (shape (3, H, W)), adds `weight`·∇E_f(T) to it. Intensities 0–255.
template <class Scalar>
double flattening_energy(const Image<Scalar>& input, const Image<Scalar>& t, const Mask& edges,
                         const Mask& mask, const EnergyParams& prm, double weight = 1,
                         Image<Scalar>* g = nullptr) {
  const long h = long(height(input)), w = long(width(input)), r = prm.radius;
  const double n = double(h * w);
  auto yuv = [&](long y, long x, int c) {
    const double R = input(0, y, x) / 255.0, G = input(1, y, x) / 255.0, B = input(2, y, x) / 255.0;
    const double Y = 0.299 * R + 0.587 * G + 0.114 * B;
    return c == 0 ? Y : c == 1 ? 0.492 * (B - Y) : 0.877 * (R - Y);
  };
  const bool clipped = prm.gradient == GradientMode::clipped;
  double sum = 0;
  for (long y = 0; y < h; ++y)
    for (long x = 0; x < w; ++x) {
      if (edges(y, x)) continue;  // edge pixels are not flattening centres
      const bool l2 = mask(y, x) != 0;
      const double p = l2 ? prm.p_large : prm.p_small;
      for (long yy = y - r; yy <= y + r; ++yy)
        for (long xx = x - r; xx <= x + r; ++xx) {
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          double wij;
          if (l2) {
            const double dist2 = double((y - yy) * (y - yy) + (x - xx) * (x - xx));
            wij = prm.alpha * std::exp(-dist2 / (2 * prm.sigma_s * prm.sigma_s));
          } else {
            double c2 = 0;
            for (int c = 0; c < 3; ++c) c2 += std::pow(yuv(y, x, c) - yuv(yy, xx, c), 2);
            wij = std::exp(-c2 / (2 * prm.sigma_r * prm.sigma_r));
            if (wij < prm.colour_weight_floor) wij = 0;
          }
          for (int c = 0; c < 3; ++c) {
            const double d = double(t(c, y, x)) - double(t(c, yy, xx));
            const double ad = std::abs(d);
            const double eps2 = prm.epsilon * prm.epsilon;
            sum += wij * (eps2 > 0 ? std::pow(d * d + eps2, p / 2) - std::pow(prm.epsilon, p)
                                   : std::pow(ad, p));
            if (!g || d == 0) continue;
            const double sign = d > 0 ? 1.0 : -1.0;
            double dr;
            if (eps2 > 0) {
              dr = p * d * std::pow(d * d + eps2, p / 2 - 1);
              if (clipped) dr = p * std::min(std::abs(dr) / p, 1.0) * sign;
            } else {
              const double slope = std::pow(ad, p - 1);
              dr = p * (clipped ? std::min(slope, 1.0) : slope) * sign;
            }
            const double step = weight * wij * dr / (3 * n);
            (*g)(c, y, x) += Scalar(step);
            (*g)(c, yy, xx) -= Scalar(step);
          }
        }
    }
  return sum / (3 * n);
}

}  // namespace ismooth::reference
