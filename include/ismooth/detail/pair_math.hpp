#pragma once
// Internal: the per-pixel and per-pair maths of the energy that the CPU code
// (edge_response.hpp, l2_mask.hpp, colour.hpp) and the CUDA energy
// (network/cuda/cuda_energy.cu) share, so both evaluate the same expressions
// in the same order. Plain scalar functions, callable from host and device;
// no xtensor/Eigen here so nvcc compiles it without the core's dependencies.
//
// Both sides must compile this without floating-point contraction (the core
// adds -ffp-contract=off, the CUDA energy -fmad=false): the L2 mask's tie rule
// relies on 6·fl(k/6) rounding back to the integer k.

#include <cmath>

#if defined(__CUDACC__)
#define ISMOOTH_HD __host__ __device__
#else
#define ISMOOTH_HD
#endif

namespace ismooth::detail {

/// Offset (dy, dx) of neighbour k (0 ≤ k < 12) of N12, in the order of
/// edge_response.hpp's kN12: the 3×3 ring row by row, then (−2,0), (2,0),
/// (0,−2), (0,2).
ISMOOTH_HD inline void n12_offset(int k, int& dy, int& dx) {
  if (k < 8) {
    const int r = k < 4 ? k : k + 1;  // skip the centre of the 3×3 ring
    dy = r / 3 - 1;
    dx = r % 3 - 1;
  } else {
    dy = k == 8 ? -2 : k == 9 ? 2 : 0;
    dx = k == 10 ? -2 : k == 11 ? 2 : 0;
  }
}

/// E_i = 1/6 Σ_{j ∈ N12(i)} |S_i − S_j| at (y, x) of the (h, w) channel-sum
/// plane `s` (row-major); neighbours outside are skipped (docs/spec/energy.md §3).
template <class Scalar>
ISMOOTH_HD inline Scalar edge_response_at(const Scalar* s, long h, long w, long y, long x) {
  const Scalar si = s[y * w + x];
  Scalar total = 0;
  for (int k = 0; k < 12; ++k) {
    int dy, dx;
    n12_offset(k, dy, dx);
    const long yy = y + dy, xx = x + dx;
    if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
      const Scalar d = si - s[yy * w + xx];
      total += d < 0 ? -d : d;
    }
  }
  return total / Scalar(6);
}

/// Eq. 8 at one pixel (before dilation), given E_i(T), G_i and the
/// thresholds already multiplied by 6 (c1·6, c2·6, margin·6): compared on
/// 6·E so ties are decided as in exact arithmetic (l2_mask.hpp).
template <class Scalar>
ISMOOTH_HD inline bool l2_mask_at(Scalar edge_t, Scalar guidance, double c1x6, double c2x6,
                                  double margin_x6) {
  const double et6 = double(Scalar(6) * edge_t), gi6 = double(Scalar(6) * guidance);
  const bool flat_region = gi6 < c1x6 && et6 - gi6 > c2x6;
  const bool zeroed_guidance = guidance == Scalar(0) && et6 - gi6 > margin_x6;
  return flat_region || zeroed_guidance;
}

/// YUV (colour.hpp) of one pixel given on 0–255.
template <class Scalar>
ISMOOTH_HD inline void rgb255_to_yuv(Scalar r255, Scalar g255, Scalar b255, Scalar& y, Scalar& u,
                                     Scalar& v) {
  const Scalar s = Scalar(1) / Scalar(255);
  const Scalar R = r255 * s, G = g255 * s, B = b255 * s;
  y = Scalar(0.299) * R + Scalar(0.587) * G + Scalar(0.114) * B;
  u = Scalar(0.492) * (B - y);
  v = Scalar(0.877) * (R - y);
}

/// The penalty ρ_p of the flattening term on one difference d (docs/spec/energy.md §5,
/// §10) and its derivative: the scalar form of flattening_penalty.hpp's
/// vectorised Penalty, same expressions:
///   s = max(d², δ²) (ε = 0) or d² + ε²,  q = s^{p/2 − 1},
///   ρ = s·q (− ε^p),  ρ' = p·d·q,  clipped ρ' = p·sign(d)·min(|d|·q, 1),
/// and for p = 2, ε = 0: ρ = d², ρ' = 2d, clipped 2·clamp(d, −1, 1).
template <class Scalar>
struct PairPenalty {
  Scalar p;
  Scalar epsilon;
  Scalar epsilon_p;  ///< ε^p
  bool clipped;

  ISMOOTH_HD Scalar value(Scalar d, Scalar* derivative) const {
    if (p == Scalar(2) && epsilon == Scalar(0)) {
      if (derivative != nullptr)
        *derivative = clipped ? Scalar(2) * (d > Scalar(1)    ? Scalar(1)
                                             : d < Scalar(-1) ? Scalar(-1)
                                                              : d)
                              : Scalar(2) * d;
      return d * d;
    }
    using std::exp;
    using std::log;
    const Scalar delta2 = sizeof(Scalar) == 4 ? Scalar(1e-30) : Scalar(1e-300);
    Scalar d2, q, rho;
    if (epsilon == Scalar(0)) {
      d2 = d * d;
      q = exp((p / Scalar(2) - Scalar(1)) * log(d2 > delta2 ? d2 : delta2));
      rho = d2 * q;
    } else {
      d2 = d * d + epsilon * epsilon;
      q = exp((p / Scalar(2) - Scalar(1)) * log(d2));
      rho = d2 * q - epsilon_p;
    }
    if (derivative != nullptr) {
      if (clipped) {
        // p·d·min(q, 1/|d|) as p·sign(d)·min(|d|·q, 1): no division.
        using std::copysign;
        const Scalar ad = d < 0 ? -d : d;
        *derivative = p * copysign(ad * q < Scalar(1) ? ad * q : Scalar(1), d);
      } else {
        *derivative = p * d * q;
      }
    }
    return rho;
  }
};

/// Colour weight w^r (Eq. 6) from the squared YUV distance: exp(−k·dist²)
/// with k = 1/(2σ_r²), set to 0 below `floor`.
template <class Scalar>
ISMOOTH_HD inline Scalar colour_weight(Scalar dist2, Scalar k, Scalar floor) {
  using std::exp;
  const Scalar w = exp(-k * dist2);
  return w < floor ? Scalar(0) : w;
}

}  // namespace ismooth::detail
