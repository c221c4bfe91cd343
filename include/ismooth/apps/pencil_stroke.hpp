#pragma once
/// \file
/// The stroke map of pencil drawing (Lu, Xu, Jia, "Combining sketch and tone
/// for pencil drawing production", NPAR 2012, Sec. 3.1):
///
///  1. gradient magnitude G = |∂x I| + |∂y I| of the grey image (forward
///     differences, 0 past the last row/column);
///  2. classification: responses G_i = L_i ∗ G for line segments L_i in
///     `directions` orientations i·180°/directions; each pixel's gradient goes
///     to the direction of the largest response, C_i = G·[argmax = i];
///  3. line convolution S' = Σ_i L_i^w ∗ C_i with lines widened by `width`
///     pixels either side; S' normalised to [0, 1]; S = (1 − S')^exponent.
///
/// Lines: a horizontal row of ones through the centre of a (2·length+1)²
/// kernel (`width` more rows either side for step 3), rotated about the
/// centre with bilinear interpolation (as MATLAB's imrotate 'bilinear'
/// 'crop'), angles counter-clockwise as displayed (direction 2 of 8 runs
/// from bottom-left to top-right). The authors' code smooths I by a 3×3
/// median first; we take the smoothed image (ours or any smoother's) as I.
/// Defaults: the authors' call in their post-processing — length 8, width 1,
/// 8 directions, exponent 2.

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth::apps {

/// Parameters of the stroke map.
struct StrokeParams {
  int length = 8;      ///< half length of the line segments, pixels (1..64)
  int width = 1;       ///< extra rows either side of the drawn lines (0..16)
  int directions = 8;  ///< number of orientations (2..64)
  double exponent = 2; ///< γ_S > 0: darkness of the strokes

  bool IsValid(std::string* error = nullptr) const {
    if (length >= 1 && length <= 64 && width >= 0 && width <= 16 && directions >= 2 &&
        directions <= 64 && std::isfinite(exponent) && exponent > 0)
      return true;
    if (error) *error = "stroke: length 1..64, width 0..16, directions 2..64, exponent > 0";
    return false;
  }
};

/// A rotated line kernel, (2·length+1)², rows |r| ≤ half_width set before
/// rotating by `degrees` counter-clockwise.
inline Plane<float> line_kernel(int length, int half_width, double degrees) {
  const int n = 2 * length + 1;
  auto reference = [&](int r, int c) {
    return r >= 0 && r < n && c >= 0 && c < n && std::abs(r - length) <= half_width ? 1.0 : 0.0;
  };
  const double t = degrees * std::numbers::pi / 180, ct = std::cos(t), st = std::sin(t);
  Plane<float> k = Plane<float>::from_shape({std::size_t(n), std::size_t(n)});
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      // The output pixel's source: rotate (dx, −dy) back by −t (y points down).
      const double dx = c - length, dy = -(r - length);
      const double sx = dx * ct + dy * st, sy = -dx * st + dy * ct;
      const double fr = length - sy, fc = length + sx;
      const int r0 = int(std::floor(fr)), c0 = int(std::floor(fc));
      const double ar = fr - r0, ac = fc - c0;
      k(r, c) = float((1 - ar) * ((1 - ac) * reference(r0, c0) + ac * reference(r0, c0 + 1)) +
                      ar * ((1 - ac) * reference(r0 + 1, c0) + ac * reference(r0 + 1, c0 + 1)));
    }
  return k;
}

namespace detail {
/// `plane` convolved with `kernel` (zero outside the image, 'same' size).
/// Line kernels are symmetric under a half turn, so convolution and
/// correlation agree; zero taps are skipped (a line is mostly zeros).
inline Plane<float> convolve_same(const Plane<float>& plane, const Plane<float>& kernel) {
  const int h = int(height(plane)), w = int(width(plane));
  const int kh = int(height(kernel)), kw = int(width(kernel)), cy = kh / 2, cx = kw / 2;
  struct Tap { int dy, dx; float v; };
  std::vector<Tap> taps;
  for (int r = 0; r < kh; ++r)
    for (int c = 0; c < kw; ++c)
      if (kernel(r, c) != 0) taps.push_back({cy - r, cx - c, kernel(r, c)});
  Plane<float> out = Plane<float>::from_shape(plane.shape());
  out.fill(0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double s = 0;
      for (const Tap& t : taps) {
        const int yy = y + t.dy, xx = x + t.dx;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w) s += double(t.v) * plane(yy, xx);
      }
      out(y, x) = float(s);
    }
  return out;
}
}  // namespace detail

/// G = |∂x I| + |∂y I| of a grey plane.
inline Plane<float> gradient_magnitude(const Plane<float>& grey) {
  const std::size_t h = height(grey), w = width(grey);
  Plane<float> g = Plane<float>::from_shape({h, w});
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      g(y, x) = (x + 1 < w ? std::abs(grey(y, x) - grey(y, x + 1)) : 0.f) +
                (y + 1 < h ? std::abs(grey(y, x) - grey(y + 1, x)) : 0.f);
  return g;
}

/// The direction index (0..directions−1, angle i·180°/directions) of each
/// pixel of the gradient map G: the line whose response L_i ∗ G is largest
/// (the lowest index on ties).
inline xt::xtensor<std::uint8_t, 2> classify_directions(const Plane<float>& g,
                                                        const StrokeParams& p = {}) {
  std::string why;
  require(p.IsValid(&why), "classify_directions: ", why);
  xt::xtensor<std::uint8_t, 2> index = xt::xtensor<std::uint8_t, 2>::from_shape(g.shape());
  index.fill(0);
  Plane<float> best = Plane<float>::from_shape(g.shape());
  best.fill(-1);
  for (int i = 0; i < p.directions; ++i) {
    const Plane<float> r = detail::convolve_same(g, line_kernel(p.length, 0, 180.0 * i / p.directions));
    for (std::size_t k = 0; k < r.size(); ++k)
      if (r.data()[k] > best.data()[k]) {
        best.data()[k] = r.data()[k];
        index.data()[k] = std::uint8_t(i);
      }
  }
  return index;
}

/// The stroke map S ∈ [0, 1] (1 = white paper) of a grey plane in [0, 1].
inline Plane<float> stroke_map(const Plane<float>& grey, const StrokeParams& p = {}) {
  const Plane<float> g = gradient_magnitude(grey);
  const auto index = classify_directions(g, p);
  Plane<float> sum = Plane<float>::from_shape(g.shape());
  sum.fill(0);
  for (int i = 0; i < p.directions; ++i) {
    Plane<float> c = Plane<float>::from_shape(g.shape());
    for (std::size_t k = 0; k < c.size(); ++k) c.data()[k] = index.data()[k] == i ? g.data()[k] : 0.f;
    sum += detail::convolve_same(c, line_kernel(p.length, p.width, 180.0 * i / p.directions));
  }
  float lo = sum.data()[0], hi = lo;
  for (float v : sum) lo = std::min(lo, v), hi = std::max(hi, v);
  for (float& v : sum) {
    const double s = hi > lo ? (v - lo) / (hi - lo) : 0.0;
    v = float(std::pow(1 - s, p.exponent));
  }
  return sum;
}

}  // namespace ismooth::apps
