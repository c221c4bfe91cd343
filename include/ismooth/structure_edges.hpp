#pragma once
/// \file
/// The structure-edge detector B (docs/spec/energy.md §8; the authors' implementation
/// heuristic, paper Sec. 3.1 "supplemental"): pixels of E(I) that stand out
/// from their 21×21 window (selection) and lie on a chain of at least ~20
/// such pixels (filtering of short segments). B marks the important edges the
/// edge-preserving term keeps (docs/spec/energy.md §4) and removes those pixels as
/// flattening centres (§5).
///
/// Departure from the implementation, as docs/spec/energy.md §8 asks: the filtering step
/// reads only the unmodified candidate map (the original removes in place while
/// other threads read it, a race), so the result is deterministic and the same
/// for every thread count.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ismooth/edge_response.hpp"
#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// Parameters of the structure-edge detector; the defaults are docs/spec/energy.md §8.
struct StructureEdgeOptions {
  /// Selection window radius: the window is (2r+1)×(2r+1) = 21×21 pixels.
  int window_radius = 10;
  /// E bands on the 0–255 edge-response scale: a pixel with low < E_i < high
  /// compares with `diff_low`, one with E_i ≥ high with `diff_high`; pixels
  /// with E_i ≤ low are never candidates.
  double low = 25, high = 60;
  /// Window pixel j counts when E_i − E_j > diff (strict).
  double diff_low = 20, diff_high = 30;
  /// A pixel is a candidate when its count *exceeds* this (count > 200).
  int min_count = 200;
  /// Chain following takes at most this many steps per sense (forward and
  /// backward), so a chain length is at most 2·max_steps.
  int max_steps = 25;
  /// A candidate is removed when its vertical, horizontal and diagonal chain
  /// lengths are each < min_chain and its anti-diagonal length is ≤ min_chain
  /// (the asymmetry is the implementation's, kept as specified).
  int min_chain = 20;

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    if (window_radius < 0 || window_radius > 256)
      return bad("window_radius must be in [0, 256], got " + std::to_string(window_radius));
    if (!(std::isfinite(low) && std::isfinite(high) && low <= high))
      return bad("need finite low <= high, got low=" + std::to_string(low) +
                 " high=" + std::to_string(high));
    if (!(std::isfinite(diff_low) && std::isfinite(diff_high)))
      return bad("diff_low and diff_high must be finite");
    if (min_count < 0) return bad("min_count must be >= 0, got " + std::to_string(min_count));
    if (max_steps < 0) return bad("max_steps must be >= 0, got " + std::to_string(max_steps));
    if (min_chain < 0) return bad("min_chain must be >= 0, got " + std::to_string(min_chain));
    return true;
  }

  /// Throws ismooth::Error naming `where` unless IsValid().
  void validate(std::string_view where) const {
    std::string why;
    if (!IsValid(&why)) fail(where, ": ", why);
  }
};

/// Chain lengths of one candidate along the four orientations of docs/spec/energy.md §8:
/// candidates found stepping forward plus those found stepping backward.
struct ChainLengths {
  int vertical = 0;
  int horizontal = 0;
  int diagonal = 0;
  int anti_diagonal = 0;
};

namespace detail {

/// The largest Scalar t_s ≤ t. For any Scalar d, (d > t) ⇔ (d > t_s) exactly,
/// so the selection loop can compare in Scalar (vectorised) without changing
/// the strict inequality of §8 when t is not representable in Scalar.
template <class Scalar>
Scalar largest_not_above(double t) {
  Scalar ts = static_cast<Scalar>(t);
  if (static_cast<double>(ts) > t)
    ts = std::nextafter(ts, -std::numeric_limits<Scalar>::infinity());
  return ts;
}

/// One step's three tries (dx, dy), in the order §8 tries them.
using StepTries = std::array<std::array<int, 2>, 3>;

/// Forward and backward tries of one orientation (§8).
struct Orientation {
  StepTries forward, backward;
};

// Vertical: y ± 1 trying x − 1, x, x + 1; horizontal: x ± 1 trying y − 1, y, y + 1.
inline constexpr Orientation kVertical{{{{-1, 1}, {0, 1}, {1, 1}}}, {{{-1, -1}, {0, -1}, {1, -1}}}};
inline constexpr Orientation kHorizontal{{{{1, -1}, {1, 0}, {1, 1}}},
                                         {{{-1, -1}, {-1, 0}, {-1, 1}}}};
inline constexpr Orientation kDiagonal{{{{1, 0}, {0, 1}, {1, 1}}}, {{{-1, 0}, {0, -1}, {-1, -1}}}};
inline constexpr Orientation kAntiDiagonal{{{{1, 0}, {0, -1}, {1, -1}}},
                                           {{{-1, 0}, {0, 1}, {-1, 1}}}};

/// Number of candidates found walking from (x, y) with `tries`: each step
/// moves to the first try that is an in-image candidate; stops at the first
/// step with none, or after `max_steps`.
inline int walk(const std::uint8_t* c, long h, long w, long x, long y, const StepTries& tries,
                int max_steps) {
  int found = 0;
  while (found < max_steps) {
    bool moved = false;
    for (const auto& t : tries) {
      const long nx = x + t[0], ny = y + t[1];
      if (nx >= 0 && nx < w && ny >= 0 && ny < h && c[ny * w + nx] != 0) {
        x = nx;
        y = ny;
        moved = true;
        break;
      }
    }
    if (!moved) break;
    ++found;
  }
  return found;
}

inline int chain(const std::uint8_t* c, long h, long w, long x, long y, const Orientation& o,
                 int max_steps) {
  return walk(c, h, w, x, y, o.forward, max_steps) + walk(c, h, w, x, y, o.backward, max_steps);
}

}  // namespace detail

/// Chain lengths of pixel (row, col) in `candidates` (shape (H, W), nonzero =
/// candidate), each sense capped at `max_steps` (docs/spec/energy.md §8). The pixel
/// itself is not counted. Exposed for tests and diagnostics.
inline ChainLengths chain_lengths(const Mask& candidates, std::size_t row, std::size_t col,
                                  int max_steps = 25) {
  const long h = long(height(candidates)), w = long(width(candidates));
  require(long(row) < h && long(col) < w, "chain_lengths: pixel (row ", row, ", col ", col,
          ") is outside the ", w, "x", h, " map");
  const std::uint8_t* c = candidates.data();
  const long x = long(col), y = long(row);
  return {detail::chain(c, h, w, x, y, detail::kVertical, max_steps),
          detail::chain(c, h, w, x, y, detail::kHorizontal, max_steps),
          detail::chain(c, h, w, x, y, detail::kDiagonal, max_steps),
          detail::chain(c, h, w, x, y, detail::kAntiDiagonal, max_steps)};
}

/// Selection step of docs/spec/energy.md §8. For each pixel i of the edge response `E`
/// (shape (H, W), 0–255 scale as computed by edge_response()), counts the
/// pixels j ≠ i of its (2r+1)² window that lie inside the image with
/// E_i − E_j > diff, where diff = diff_low for low < E_i < high and diff_high
/// for E_i ≥ high. Returns 1 where the count exceeds min_count, else 0; pixels
/// with E_i ≤ low (or NaN) are 0. Cost O(H·W·(2r+1)²), vectorised along rows.
/// Ties E_i − E_j = diff are common on 8-bit images (E is a multiple of 1/6
/// there). Comparisons are made on 6·E, which recovers the exact integer
/// sums Σ|S_i − S_j| in float and double, so ties are decided as in exact
/// arithmetic and float and double E give the same map.
template <class Scalar>
Mask structure_edge_candidates(const Plane<Scalar>& E, const StructureEdgeOptions& options = {}) {
  options.validate("structure_edge_candidates");
  const long h = long(height(E)), w = long(width(E)), r = options.window_radius;
  Mask out(typename Mask::shape_type{std::size_t(h), std::size_t(w)});
  out.fill(0);
  if (h == 0 || w == 0) return out;
  const Scalar t_low = detail::largest_not_above<Scalar>(6 * options.diff_low);
  const Scalar t_high = detail::largest_not_above<Scalar>(6 * options.diff_high);
  const Scalar never = std::numeric_limits<Scalar>::infinity();
  // 6·E: exact integers for 8-bit images (fl(fl(k/6)·6) = k), so the
  // thresholds below compare exact values.
  std::vector<Scalar> e6(E.size());
  for (std::size_t k = 0; k < e6.size(); ++k) e6[k] = Scalar(6) * E.data()[k];
  const Scalar* e = e6.data();
  std::uint8_t* o = out.data();

#pragma omp parallel
  {
    std::vector<Scalar> threshold(static_cast<std::size_t>(w));
    std::vector<std::int32_t> count(static_cast<std::size_t>(w));
#pragma omp for schedule(static)
    for (long y = 0; y < h; ++y) {
      const Scalar* row = e + y * w;
      bool any = false;
      for (long x = 0; x < w; ++x) {
        const double ei6 = double(row[x]);
        // +∞ makes every comparison false: such pixels never count anything.
        threshold[x] = ei6 >= 6 * options.high ? t_high : (ei6 > 6 * options.low ? t_low : never);
        any = any || threshold[x] != never;
      }
      if (!any) continue;
      std::fill(count.begin(), count.end(), 0);
      Scalar* thr = threshold.data();
      std::int32_t* cnt = count.data();
      for (long yy = std::max(0L, y - r); yy <= std::min(h - 1, y + r); ++yy) {
        const Scalar* other = e + yy * w;
        for (long dx = -r; dx <= r; ++dx) {
          if (yy == y && dx == 0) continue;  // j ≠ i
          const long x0 = std::max(0L, -dx), x1 = std::min(w, w - dx);
          const Scalar* shifted = other + dx;
#pragma omp simd
          for (long x = x0; x < x1; ++x) cnt[x] += (row[x] - shifted[x]) > thr[x] ? 1 : 0;
        }
      }
      for (long x = 0; x < w; ++x)
        o[y * w + x] = (threshold[x] != never && count[x] > options.min_count) ? 1 : 0;
    }
  }
  return out;
}

/// Filtering step of docs/spec/energy.md §8: keeps a candidate of `candidates` (shape
/// (H, W), nonzero = candidate) when its vertical, horizontal or diagonal
/// chain length is ≥ min_chain or its anti-diagonal length is > min_chain,
/// and removes it otherwise. Chains are followed in the unmodified input, so
/// the result does not depend on the visiting order or the thread count.
/// Returns a 0/1 map of the same shape.
inline Mask filter_short_segments(const Mask& candidates,
                                  const StructureEdgeOptions& options = {}) {
  options.validate("filter_short_segments");
  const long h = long(height(candidates)), w = long(width(candidates));
  const int steps = options.max_steps, need = options.min_chain;
  Mask out(candidates.shape());
  out.fill(0);
  const std::uint8_t* c = candidates.data();
  std::uint8_t* o = out.data();
#pragma omp parallel for schedule(static)
  for (long y = 0; y < h; ++y) {
    for (long x = 0; x < w; ++x) {
      if (c[y * w + x] == 0) continue;
      // Short-circuits on the first orientation that keeps the pixel.
      const bool keep = detail::chain(c, h, w, x, y, detail::kVertical, steps) >= need ||
                        detail::chain(c, h, w, x, y, detail::kHorizontal, steps) >= need ||
                        detail::chain(c, h, w, x, y, detail::kDiagonal, steps) >= need ||
                        detail::chain(c, h, w, x, y, detail::kAntiDiagonal, steps) > need;
      o[y * w + x] = keep ? 1 : 0;
    }
  }
  return out;
}

/// The structure-edge map B (docs/spec/energy.md §8) of an edge response `E` (shape
/// (H, W), 0–255 scale): filter_short_segments(structure_edge_candidates(E)).
/// Returns a 0/1 map of shape (H, W).
template <class Scalar>
Mask structure_edges(const Plane<Scalar>& E, const StructureEdgeOptions& options = {}) {
  return filter_short_segments(structure_edge_candidates(E, options), options);
}

/// B of an RGB image (shape (3, H, W), 0–255 scale), from E = edge_response(I).
template <class Scalar>
Mask structure_edges(const Image<Scalar>& image, const StructureEdgeOptions& options = {}) {
  check_image(image, "structure_edges: image");
  return structure_edges(edge_response(image), options);
}

}  // namespace ismooth
