#pragma once
/// \file
/// Halo and gradient-reversal measures of detail magnification (for the
/// paper's Fig. 11 claim that its smoothing, like WLS, gives fewer reversals
/// than L0, bilateral filtering and FGS). On the luminance Y (0–255) of the
/// input I and of the enhanced image E, over 4-neighbour pairs (p, q) with
/// a strong input step, |I_q − I_p| > threshold:
///
///  - reversal fraction: the share of those pairs whose enhanced step points
///    the other way, (E_q − E_p)·(I_q − I_p) < 0 — a halo's dark/bright rim
///    that turns an edge's profile back;
///  - overshoot: the mean, over the pixels of those pairs, of how far E
///    leaves the range of I in the (2r+1)² window around the pixel,
///    max(0, E − max_window I, min_window I − E) (grey levels) — the bright
///    and dark bands beside strong edges.
///
/// Both are 0 for E = I. A smoothing whose base layer keeps strong edges
/// exactly (D ≈ 0 across them) scores low on both at any K.

#include <algorithm>
#include <cmath>
#include <string>

#include "ismooth/colour.hpp"
#include "ismooth/image.hpp"

namespace ismooth::apps {

struct ReversalParams {
  double threshold = 16;  ///< a strong step: |ΔY| above this (grey levels, ≥ 0)
  int radius = 2;         ///< r of the overshoot window (0..16)
};

struct ReversalMeasure {
  double reversal_fraction = 0;  ///< reversed strong pairs / strong pairs
  double overshoot = 0;          ///< mean overshoot at strong-edge pixels, grey levels
  std::size_t strong_pairs = 0;
};

/// The measures of `enhanced` against `input` (both (3, H, W), 0–255).
inline ReversalMeasure gradient_reversal(const Image<float>& input, const Image<float>& enhanced,
                                         const ReversalParams& p = {}) {
  check_same_size(input, "input", enhanced, "enhanced image");
  require(p.threshold >= 0 && std::isfinite(p.threshold) && p.radius >= 0 && p.radius <= 16,
          "gradient_reversal: threshold must be finite and >= 0, radius 0..16");
  const Image<float> yi = rgb_to_yuv(input), ye = rgb_to_yuv(enhanced);
  const int h = int(height(input)), w = int(width(input));
  auto I = [&](int y, int x) { return 255.0 * yi(0, y, x); };
  auto E = [&](int y, int x) { return 255.0 * ye(0, y, x); };
  xt::xtensor<std::uint8_t, 2> edge = xt::zeros<std::uint8_t>({std::size_t(h), std::size_t(w)});
  ReversalMeasure m;
  std::size_t reversed = 0;
  auto pair = [&](int y0, int x0, int y1, int x1) {
    const double di = I(y1, x1) - I(y0, x0);
    if (std::abs(di) <= p.threshold) return;
    ++m.strong_pairs;
    if ((E(y1, x1) - E(y0, x0)) * di < 0) ++reversed;
    edge(y0, x0) = edge(y1, x1) = 1;
  };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (x + 1 < w) pair(y, x, y, x + 1);
      if (y + 1 < h) pair(y, x, y + 1, x);
    }
  double over = 0;
  std::size_t pixels = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (!edge(y, x)) continue;
      double lo = 1e9, hi = -1e9;
      for (int yy = std::max(0, y - p.radius); yy <= std::min(h - 1, y + p.radius); ++yy)
        for (int xx = std::max(0, x - p.radius); xx <= std::min(w - 1, x + p.radius); ++xx)
          lo = std::min(lo, I(yy, xx)), hi = std::max(hi, I(yy, xx));
      over += std::max({0.0, E(y, x) - hi, lo - E(y, x)});
      ++pixels;
    }
  m.reversal_fraction = m.strong_pairs ? double(reversed) / double(m.strong_pairs) : 0;
  m.overshoot = pixels ? over / double(pixels) : 0;
  return m;
}

}  // namespace ismooth::apps
