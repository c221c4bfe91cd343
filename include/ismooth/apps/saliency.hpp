#pragma once
/// \file
/// A built-in salient-object detector for the content-aware presets
/// (background / foreground, docs/spec/energy.md §6), which need a binary
/// foreground mask F per training photo: the Minimum Barrier salient object
/// detector "MB+" of Zhang, Sclaroff, Lin, Shen, Price and Měch, "Minimum
/// Barrier Salient Object Detection at 80 FPS" (ICCV 2015), implemented from
/// the paper. Deterministic, no weights, linear time.
///
/// Why this method (docs/applications.md): it was among the best
/// classical (non-learned) detectors on the standard benchmarks when the
/// smoothing paper was written, it needs no training data or downloaded
/// weights, it is exact (no superpixels or random sampling, so the same photo
/// always gives the same mask), and its cost is a few raster scans, small
/// against the guidance and energy work of one training crop.
///
/// The map, on a working image whose long side is at most
/// SaliencyOptions::working_size (paper: 300; bigger photos are averaged in
/// k × k blocks first, the map is resampled bilinearly back):
///  1. *Minimum barrier distance* (FastMBD, the paper's Alg. 1) from the
///     image border to every pixel, per CIELAB channel, summed: the barrier of
///     a path is max − min of the values along it, and D(x) its minimum over
///     4-connected paths from the border. Passes alternate forward (from the
///     upper and left neighbours) and backward raster scans (paper: 3).
///  2. *Backgroundness* (MB+): for each of the four border strips (width a
///     tenth of the side) the Mahalanobis distance of every pixel's Lab colour
///     to the strip's colour distribution, each divided by its maximum; the
///     sum of the four minus their maximum (so one strip covered by the
///     object does not veto it). Both maps are scaled to [0, 1] and added.
///  3. *Post-processing* (paper Sec. 4.3): morphological smoothing — opening
///     then closing by reconstruction with a square of side δ = α·√mean(S)
///     (α = 50, in pixels of a 300-pixel image); a centre bias (multiply by
///     1 − distance to the centre / half the diagonal); and contrast
///     enhancement by the sigmoid 1 / (1 + exp(−b(S − t))) with b = 10 and
///     t the Otsu threshold of S. The soft map is in (0, 1), and
///     S > 0.5 ⇔ S above the Otsu threshold: the binary mask of the smoothing
///     paper ("saliency > 0.5") is Otsu's split of the enhanced map.
///
/// Departures from the paper, each small: the covariance of a border strip
/// gets 1 (Lab unit)² added to its diagonal, so a perfectly flat border (a
/// studio backdrop, a synthetic scene) has a finite Mahalanobis distance;
/// and the paper's optional "artificial frame" removal is not done.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ismooth/detail/inverse3.hpp"
#include "ismooth/colour.hpp"
#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// Parameters of the detector; the defaults are the paper's.
struct SaliencyOptions {
  /// Long side of the working image in pixels (paper: 300). Larger images
  /// are averaged in k × k blocks, k = ⌈long side / working_size⌉.
  int working_size = 300;
  /// Raster passes of FastMBD, alternating forward and backward (paper: 3).
  int passes = 3;
  /// Width of each border strip of the backgroundness cue, as a fraction of
  /// the image side it crosses (paper: 30 px of 300).
  double border_fraction = 0.1;
  /// Morphological smoothing: the square's side is δ = α·√mean(S) pixels of a
  /// 300-pixel image (paper: α = 50); 0 = no smoothing.
  double smoothing_alpha = 50;
  /// Sigmoid slope b of the contrast enhancement (paper: 10).
  double sigmoid_slope = 10;
  /// Add the backgroundness cue (MB+, the paper's best); false = plain MB.
  bool backgroundness = true;
  /// Multiply by the centre-bias map.
  bool centre_bias = true;

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    if (working_size < 16 || working_size > 65535)
      return bad("working_size must be in [16, 65535], got " + std::to_string(working_size));
    if (passes < 1 || passes > 100)
      return bad("passes must be in [1, 100], got " + std::to_string(passes));
    if (!(border_fraction > 0 && border_fraction <= 0.5))
      return bad("border_fraction must be in (0, 0.5]");
    if (!(smoothing_alpha >= 0 && smoothing_alpha <= 1000))
      return bad("smoothing_alpha must be in [0, 1000]");
    if (!(sigmoid_slope > 0 && sigmoid_slope <= 1000))
      return bad("sigmoid_slope must be in (0, 1000]");
    return true;
  }

  /// Throws ismooth::Error naming `where` unless IsValid().
  void validate(std::string_view where) const {
    std::string why;
    if (!IsValid(&why)) fail(where, ": ", why);
  }
};

namespace detail {

/// Row-major h × w scalar field of the detector.
struct Field {
  long h = 0, w = 0;
  std::vector<double> v;
  Field() = default;
  Field(long h_, long w_, double value = 0) : h(h_), w(w_), v(std::size_t(h_ * w_), value) {}
  double& operator()(long y, long x) { return v[std::size_t(y * w + x)]; }
  double operator()(long y, long x) const { return v[std::size_t(y * w + x)]; }
};

/// Scales to [0, 1] by min and max (a constant field becomes 0).
inline void normalise(Field& f) {
  const auto [lo, hi] = std::minmax_element(f.v.begin(), f.v.end());
  const double a = *lo, range = *hi - *lo;
  for (double& x : f.v) x = range > 0 ? (x - a) / range : 0.0;
}

/// FastMBD (paper Alg. 1): the minimum barrier distance from the image border.
inline Field minimum_barrier_distance(const Field& image, int passes) {
  const long h = image.h, w = image.w;
  const double inf = std::numeric_limits<double>::infinity();
  Field d(h, w, inf), upper = image, lower = image;
  for (long y = 0; y < h; ++y)
    for (long x = 0; x < w; ++x)
      if (y == 0 || x == 0 || y == h - 1 || x == w - 1) d(y, x) = 0;
  auto relax = [&](long y, long x, long ny, long nx) {
    if (ny < 0 || nx < 0 || ny >= h || nx >= w) return;
    const double ix = image(y, x);
    const double u = std::max(upper(ny, nx), ix), l = std::min(lower(ny, nx), ix);
    if (u - l < d(y, x)) {
      d(y, x) = u - l;
      upper(y, x) = u;
      lower(y, x) = l;
    }
  };
  for (int pass = 0; pass < passes; ++pass) {
    if (pass % 2 == 0) {
      for (long y = 0; y < h; ++y)
        for (long x = 0; x < w; ++x) {
          relax(y, x, y - 1, x);
          relax(y, x, y, x - 1);
        }
    } else {
      for (long y = h - 1; y >= 0; --y)
        for (long x = w - 1; x >= 0; --x) {
          relax(y, x, y + 1, x);
          relax(y, x, y, x + 1);
        }
    }
  }
  return d;
}

/// The backgroundness cue of MB+ from the three Lab planes.
inline Field backgroundness(const std::array<Field, 3>& lab, double border_fraction) {
  const long h = lab[0].h, w = lab[0].w;
  const long rh = std::max(1L, std::lround(border_fraction * double(h)));
  const long rw = std::max(1L, std::lround(border_fraction * double(w)));
  // Strips: top, bottom, left, right as [y0, y1) × [x0, x1).
  const long strips[4][4] = {{0, rh, 0, w}, {h - rh, h, 0, w}, {0, h, 0, rw}, {0, h, w - rw, w}};
  std::array<Field, 4> u;
  for (int k = 0; k < 4; ++k) {
    const auto& s = strips[k];
    double mean[3] = {0, 0, 0}, cov[3][3] = {};
    const double n = double((s[1] - s[0]) * (s[3] - s[2]));
    for (long y = s[0]; y < s[1]; ++y)
      for (long x = s[2]; x < s[3]; ++x)
        for (int c = 0; c < 3; ++c) mean[c] += lab[c](y, x) / n;
    for (long y = s[0]; y < s[1]; ++y)
      for (long x = s[2]; x < s[3]; ++x)
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b)
            cov[a][b] += (lab[a](y, x) - mean[a]) * (lab[b](y, x) - mean[b]) / n;
    for (int c = 0; c < 3; ++c) cov[c][c] += 1;  // a flat strip stays invertible
    double inv[3][3];  // symmetric positive definite, 3 × 3
    detail::inverse3(cov, inv);
    u[k] = Field(h, w);
    double peak = 0;
    for (long y = 0; y < h; ++y)
      for (long x = 0; x < w; ++x) {
        double dv[3], q = 0;
        for (int c = 0; c < 3; ++c) dv[c] = lab[c](y, x) - mean[c];
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b) q += dv[a] * inv[a][b] * dv[b];
        u[k](y, x) = std::sqrt(std::max(q, 0.0));
        peak = std::max(peak, u[k](y, x));
      }
    if (peak > 0)
      for (double& x : u[k].v) x /= peak;
  }
  Field out(h, w);
  for (std::size_t i = 0; i < out.v.size(); ++i) {
    double sum = 0, most = 0;
    for (int k = 0; k < 4; ++k) {
      sum += u[k].v[i];
      most = std::max(most, u[k].v[i]);
    }
    out.v[i] = sum - most;
  }
  return out;
}

/// Grey-level erosion (`take_max` false) or dilation by a side × side square,
/// clipped at the border; separable.
inline Field square_filter(const Field& f, long side, bool take_max) {
  const long lo = (side - 1) / 2, hi = side / 2;
  auto pick = [take_max](double a, double b) { return take_max ? std::max(a, b) : std::min(a, b); };
  Field rows(f.h, f.w), out(f.h, f.w);
  for (long y = 0; y < f.h; ++y)
    for (long x = 0; x < f.w; ++x) {
      double v = f(y, x);
      for (long t = std::max(0L, x - lo); t <= std::min(f.w - 1, x + hi); ++t) v = pick(v, f(y, t));
      rows(y, x) = v;
    }
  for (long y = 0; y < f.h; ++y)
    for (long x = 0; x < f.w; ++x) {
      double v = rows(y, x);
      for (long t = std::max(0L, y - lo); t <= std::min(f.h - 1, y + hi); ++t)
        v = pick(v, rows(t, x));
      out(y, x) = v;
    }
  return out;
}

/// Morphological reconstruction by dilation of `marker` (≤ mask) under
/// `mask`, 8-connected: alternating raster scans until nothing changes
/// (Vincent 1993's sequential algorithm without the queue; it terminates,
/// every change raising a value to one of finitely many mask values).
inline Field reconstruct_by_dilation(Field marker, const Field& mask) {
  const long h = mask.h, w = mask.w;
  for (std::size_t i = 0; i < marker.v.size(); ++i) marker.v[i] = std::min(marker.v[i], mask.v[i]);
  for (bool changed = true; changed;) {
    changed = false;
    for (int pass = 0; pass < 2; ++pass) {
      const long sy = pass == 0 ? 1 : -1;
      for (long yy = 0; yy < h; ++yy) {
        const long y = pass == 0 ? yy : h - 1 - yy;
        for (long xx = 0; xx < w; ++xx) {
          const long x = pass == 0 ? xx : w - 1 - xx;
          double v = marker(y, x);
          // The already-visited half of the 8-neighbourhood.
          const long ny = y - sy;
          if (x - sy >= 0 && x - sy < w) v = std::max(v, marker(y, x - sy));
          if (ny >= 0 && ny < h)
            for (long dx = -1; dx <= 1; ++dx)
              if (x + dx >= 0 && x + dx < w) v = std::max(v, marker(ny, x + dx));
          v = std::min(v, mask(y, x));
          if (v > marker(y, x)) {
            marker(y, x) = v;
            changed = true;
          }
        }
      }
    }
  }
  return marker;
}

/// Opening then closing by reconstruction with a side × side square.
inline Field morphological_smoothing(const Field& s, long side) {
  if (side <= 1) return s;
  const Field opened = reconstruct_by_dilation(square_filter(s, side, false), s);
  // Closing by reconstruction = the dual of the opening on 1 − S.
  Field inverted = opened, marker = square_filter(opened, side, true);
  for (double& x : inverted.v) x = 1 - x;
  for (double& x : marker.v) x = 1 - x;
  Field closed = reconstruct_by_dilation(marker, inverted);
  for (double& x : closed.v) x = 1 - x;
  return closed;
}

/// Otsu's threshold of values in [0, 1] (256 bins): the bin boundary that
/// maximises the between-class variance.
inline double otsu_threshold(const std::vector<double>& values) {
  std::array<double, 256> hist{};
  for (double x : values) hist[std::size_t(std::clamp(x, 0.0, 1.0) * 255.0 + 0.5)] += 1;
  const double n = double(values.size());
  double total = 0;
  for (int i = 0; i < 256; ++i) total += i * hist[std::size_t(i)];
  double w0 = 0, sum0 = 0, best = -1;
  int best_i = 127;
  for (int i = 0; i < 255; ++i) {
    w0 += hist[std::size_t(i)];
    sum0 += i * hist[std::size_t(i)];
    const double w1 = n - w0;
    if (w0 == 0 || w1 == 0) continue;
    const double m0 = sum0 / w0, m1 = (total - sum0) / w1;
    const double between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      best_i = i;
    }
  }
  return (best_i + 0.5) / 255.0;  // between bin i and i + 1
}

}  // namespace detail

/// The soft saliency map of an RGB image (3, H, W) on the 0–255 scale:
/// shape (H, W), values in (0, 1), salient objects high (algorithm in
/// \file). Deterministic: the same image and options give the same map.
template <class Scalar>
Plane<float> saliency_map(const Image<Scalar>& rgb255, const SaliencyOptions& options = {}) {
  check_image(rgb255, "saliency_map: image");
  options.validate("saliency_map");
  const long H = long(height(rgb255)), W = long(width(rgb255));
  require(H >= 3 && W >= 3, "saliency_map: the image must be at least 3x3, got ", W, "x", H);
  // Working image: k × k block means (the last blocks may be partial).
  const long k = std::max(1L, (std::max(H, W) + options.working_size - 1) / options.working_size);
  const long h = (H + k - 1) / k, w = (W + k - 1) / k;
  Image<double> small = make_image<double>(std::size_t(h), std::size_t(w));
  for (long c = 0; c < 3; ++c)
    for (long y = 0; y < h; ++y)
      for (long x = 0; x < w; ++x) {
        double sum = 0;
        long n = 0;
        for (long yy = y * k; yy < std::min(H, (y + 1) * k); ++yy)
          for (long xx = x * k; xx < std::min(W, (x + 1) * k); ++xx, ++n)
            sum += double(rgb255(c, yy, xx));
        small(c, y, x) = std::clamp(sum / double(n), 0.0, 255.0);
      }
  const Image<double> lab_image = rgb_to_lab(small);
  std::array<detail::Field, 3> lab;
  for (long c = 0; c < 3; ++c) {
    lab[std::size_t(c)] = detail::Field(h, w);
    for (long y = 0; y < h; ++y)
      for (long x = 0; x < w; ++x) lab[std::size_t(c)](y, x) = lab_image(c, y, x);
  }

  detail::Field s(h, w);
  for (const detail::Field& plane : lab) {
    const detail::Field d = detail::minimum_barrier_distance(plane, options.passes);
    for (std::size_t i = 0; i < s.v.size(); ++i) s.v[i] += d.v[i];
  }
  detail::normalise(s);
  if (options.backgroundness) {
    detail::Field b = detail::backgroundness(lab, options.border_fraction);
    detail::normalise(b);
    for (std::size_t i = 0; i < s.v.size(); ++i) s.v[i] += b.v[i];
    detail::normalise(s);
  }

  if (options.smoothing_alpha > 0) {
    double mean = 0;
    for (double x : s.v) mean += x / double(s.v.size());
    const double scale = double(std::max(h, w)) / 300.0;
    const long side = std::lround(options.smoothing_alpha * std::sqrt(mean) * scale);
    s = detail::morphological_smoothing(s, side);
  }
  if (options.centre_bias) {
    const double cy = 0.5 * double(h - 1), cx = 0.5 * double(w - 1);
    const double half_diagonal = std::hypot(cy, cx);
    for (long y = 0; y < h; ++y)
      for (long x = 0; x < w; ++x)
        s(y, x) *= half_diagonal > 0
                       ? 1 - std::hypot(double(y) - cy, double(x) - cx) / half_diagonal
                       : 1.0;
  }
  detail::normalise(s);
  const double t = detail::otsu_threshold(s.v);
  for (double& x : s.v) x = 1 / (1 + std::exp(-options.sigmoid_slope * (x - t)));

  // Back to H × W, bilinearly between working-pixel centres.
  Plane<float> out(typename Plane<float>::shape_type{std::size_t(H), std::size_t(W)});
  for (long y = 0; y < H; ++y) {
    const double fy = std::clamp((double(y) + 0.5) / double(k) - 0.5, 0.0, double(h - 1));
    const long y0 = std::min(long(fy), h - 1), y1 = std::min(y0 + 1, h - 1);
    const double ay = fy - double(y0);
    for (long x = 0; x < W; ++x) {
      const double fx = std::clamp((double(x) + 0.5) / double(k) - 0.5, 0.0, double(w - 1));
      const long x0 = std::min(long(fx), w - 1), x1 = std::min(x0 + 1, w - 1);
      const double ax = fx - double(x0);
      out(std::size_t(y), std::size_t(x)) =
          float((1 - ay) * ((1 - ax) * s(y0, x0) + ax * s(y0, x1)) +
                ay * ((1 - ax) * s(y1, x0) + ax * s(y1, x1)));
    }
  }
  return out;
}

/// The binary mask of a soft map: 1 where map > threshold (the smoothing
/// paper's rule, threshold 0.5), else 0.
inline Mask saliency_mask(const Plane<float>& map, double threshold = 0.5) {
  require(std::isfinite(threshold), "saliency_mask: the threshold must be a number");
  Mask out(map.shape());
  for (std::size_t i = 0; i < map.size(); ++i) out.data()[i] = map.data()[i] > threshold ? 1 : 0;
  return out;
}

/// The foreground mask F of an image: saliency_mask(saliency_map(image)).
template <class Scalar>
Mask salient_object_mask(const Image<Scalar>& rgb255, double threshold = 0.5,
                         const SaliencyOptions& options = {}) {
  return saliency_mask(saliency_map(rgb255, options), threshold);
}

}  // namespace ismooth
