#pragma once
/// \file
/// Scores against known answers (synthetic_scenes.hpp), for the texture,
/// content-aware and saliency benchmarks (docs/applications.md):
/// - mask_iou, f_measure: a detected mask against the true one; F uses
///   β² = 0.3, the salient-object literature's weighting of precision;
/// - psnr: an output against the clean structure (peak 255);
/// - gradient_energy: mean squared forward difference (all channels) over
///   the pixel pairs lying wholly inside a region — the "detail" a smoothing
///   removes there; detail_kept = gradient_energy(T) / gradient_energy(I);
/// - edge_keeping: on the structure's boundaries, Σ|∇T|² / Σ|∇S|² of the
///   output T against the clean structure S (1 = edges as sharp as the
///   answer's, 0 = erased; texture left on the boundary can push it above 1).

#include <cmath>
#include <cstdint>
#include <limits>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth::scenes {

/// Intersection over union of two 0/1 masks (1 when both are empty).
inline double mask_iou(const Mask& detected, const Mask& truth) {
  check_same_size(detected, "detected mask", truth, "true mask");
  std::size_t both = 0, either = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const bool d = detected.data()[i] != 0, t = truth.data()[i] != 0;
    both += d && t;
    either += d || t;
  }
  return either == 0 ? 1.0 : double(both) / double(either);
}

/// F_β = (1 + β²)·P·R / (β²·P + R) of a detected mask, β² = `beta2` (0.3).
inline double f_measure(const Mask& detected, const Mask& truth, double beta2 = 0.3) {
  check_same_size(detected, "detected mask", truth, "true mask");
  std::size_t tp = 0, dp = 0, tt = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const bool d = detected.data()[i] != 0, t = truth.data()[i] != 0;
    tp += d && t;
    dp += d;
    tt += t;
  }
  if (tp == 0) return 0;
  const double p = double(tp) / double(dp), r = double(tp) / double(tt);
  return (1 + beta2) * p * r / (beta2 * p + r);
}

/// PSNR in dB of `output` against `reference` (0–255 scale); +∞ when equal.
template <class Scalar>
double psnr(const Image<Scalar>& output, const Image<Scalar>& reference) {
  check_same_size(output, "output", reference, "reference");
  double sse = 0;
  for (std::size_t i = 0; i < output.size(); ++i) {
    const double d = double(output.data()[i]) - double(reference.data()[i]);
    sse += d * d;
  }
  if (sse == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(255.0 * 255.0 * double(output.size()) / sse);
}

/// Mean squared forward difference over the horizontal and vertical pixel
/// pairs with both pixels in `region` (value `inside`: 1 the region, 0 its
/// complement), summed over channels. 0 when no pair qualifies.
template <class Scalar>
double gradient_energy(const Image<Scalar>& image, const Mask& region, bool inside = true) {
  check_same_size(image, "image", region, "region");
  const std::size_t h = height(image), w = width(image);
  auto in = [&](std::size_t y, std::size_t x) { return (region(y, x) != 0) == inside; };
  double sum = 0;
  std::size_t pairs = 0;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      if (!in(y, x)) continue;
      for (int dir = 0; dir < 2; ++dir) {
        const std::size_t ny = y + (dir == 1), nx = x + (dir == 0);
        if (ny >= h || nx >= w || !in(ny, nx)) continue;
        for (std::size_t c = 0; c < kChannels; ++c) {
          const double d = double(image(c, ny, nx)) - double(image(c, y, x));
          sum += d * d;
        }
        ++pairs;
      }
    }
  return pairs == 0 ? 0.0 : sum / double(pairs);
}

/// Σ|∇T|² / Σ|∇S|² over the forward differences starting on `boundaries`.
template <class Scalar>
double edge_keeping(const Image<Scalar>& output, const Image<Scalar>& structure,
                    const Mask& boundaries) {
  check_same_size(output, "output", structure, "structure");
  check_same_size(output, "output", boundaries, "boundaries");
  const std::size_t h = height(output), w = width(output);
  double num = 0, den = 0;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      if (boundaries(y, x) == 0) continue;
      for (int dir = 0; dir < 2; ++dir) {
        const std::size_t ny = y + (dir == 1), nx = x + (dir == 0);
        if (ny >= h || nx >= w) continue;
        for (std::size_t c = 0; c < kChannels; ++c) {
          const double dt = double(output(c, ny, nx)) - double(output(c, y, x));
          const double ds = double(structure(c, ny, nx)) - double(structure(c, y, x));
          num += dt * dt;
          den += ds * ds;
        }
      }
    }
  require(den > 0, "edge_keeping: the structure has no edge on the boundaries");
  return num / den;
}

}  // namespace ismooth::scenes
