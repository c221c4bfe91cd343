#pragma once
/// \file
/// The L2 mask M, the map that picks per pixel which penalty the flattening
/// term uses (docs/spec/energy.md §5, §7, paper Eq. 8): inside M, p = p_large with
/// weight α·w^s; outside, p = p_small with weight w^r.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "ismooth/detail/pair_math.hpp"
#include "ismooth/energy_params.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// How the L2 mask is chosen; `custom` must then hold an (H, W) 0/1 map.
struct PMap {
  PMapKind kind = PMapKind::adaptive;
  Mask custom;
};

/// Grows a mask by a (2r+1)×(2r+1) window: a pixel is set if any pixel of its
/// window is (separable max filter; r = 3 gives the paper's 7×7).
inline Mask dilate(const Mask& m, int r) {
  // Rows through a zero-padded copy, then columns, each an OR of 2r+1
  // shifted runs: loops without bounds tests or early exits, which the
  // compiler vectorises (the adaptive map dilates at every evaluation of
  // the energy; the scalar scan with early exits did not vectorise).
  const long h = long(height(m)), w = long(width(m));
  Mask rows(m.shape()), out(m.shape());
  std::vector<std::uint8_t> padded(std::size_t(w + 2 * r), 0);
  for (long y = 0; y < h; ++y) {
    std::transform(&m(y, 0), &m(y, 0) + w, padded.begin() + r,
                   [](std::uint8_t v) { return std::uint8_t(v != 0); });
    std::uint8_t* row = &rows(y, 0);
    std::fill_n(row, w, std::uint8_t(0));
    for (long k = 0; k <= 2 * r; ++k)
      for (long x = 0; x < w; ++x) row[x] |= padded[std::size_t(x + k)];
  }
  for (long y = 0; y < h; ++y) {
    std::uint8_t* row = &out(y, 0);
    std::fill_n(row, w, std::uint8_t(0));
    for (long yy = std::max(0L, y - r); yy <= std::min(h - 1, y + r); ++yy) {
      const std::uint8_t* in = &rows(yy, 0);
      for (long x = 0; x < w; ++x) row[x] |= in[x];
    }
  }
  return out;
}

/// The adaptive mask of Eq. 8 from the edge response E(T) of the current
/// iterate and the guidance G (normally E(I)):
///   M_i = 1 if G_i < c1 and E_i(T) − G_i > c2, or if G_i = 0 and
///   E_i(T) − G_i > zero_guidance_margin (0 by default, docs/spec/energy.md §5's E_i(T) > G_i);
/// then dilated by 7×7 when params.dilate. The detail-magnification rule is
/// this rule with c1 = +∞, c2 = 0.
template <class Scalar>
Mask adaptive_l2_mask(const Plane<Scalar>& edge_t, const Plane<Scalar>& guidance,
                      const EnergyParams& params) {
  check_same_size(edge_t, "adaptive_l2_mask: E(T)", guidance, "guidance");
  Mask m(edge_t.shape());
  // Compared on 6·E, which recovers the exact integer sums of 8-bit images
  // (fl(fl(k/6)·6) = k), so ties such as E(T) − E(I) = c2 are decided as in
  // exact arithmetic rather than by the rounding of k/6. This needs the
  // product rounded before the subtraction: compile without FP contraction
  // (ismooth::core adds -ffp-contract=off for GCC and Clang).
  const double c1 = 6 * params.c1, c2 = 6 * params.c2, margin = 6 * params.zero_guidance_margin;
  for (std::size_t k = 0; k < m.size(); ++k)
    m.data()[k] =
        std::uint8_t(detail::l2_mask_at(edge_t.data()[k], guidance.data()[k], c1, c2, margin));
  return params.dilate ? dilate(m, 3) : m;
}

/// The fixed masks of the solver study (docs/spec/energy.md §7) and the caller's own.
/// `half`: M = 1 for columns x < ⌊W/2⌋ (the left half), 0 elsewhere.
inline Mask fixed_l2_mask(const PMap& pmap, std::size_t h, std::size_t w) {
  Mask m(typename Mask::shape_type{h, w});
  switch (pmap.kind) {
    case PMapKind::all_l2:
      m.fill(1);
      break;
    case PMapKind::all_lp:
      m.fill(0);
      break;
    case PMapKind::half:
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) m(y, x) = std::uint8_t(x < w / 2);
      break;
    case PMapKind::custom:
      require(height(pmap.custom) == h && width(pmap.custom) == w, "custom p map: expected ", w,
              "x", h, ", got ", width(pmap.custom), "x", height(pmap.custom));
      for (auto v : pmap.custom) require(v <= 1, "custom p map must hold 0/1, found ", int(v));
      m = pmap.custom;
      break;
    case PMapKind::adaptive:
      fail("fixed_l2_mask: the adaptive map depends on T");
  }
  return m;
}

/// Fraction of pixels in the mask.
inline double mask_fraction(const Mask& m) {
  std::size_t count = 0;
  for (auto v : m) count += v;
  return m.size() ? double(count) / double(m.size()) : 0.0;
}

}  // namespace ismooth
