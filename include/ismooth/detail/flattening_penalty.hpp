#pragma once
// Internal: the penalty ρ_p of the flattening term on a batch of pair
// differences (flattening_kernel.hpp's pair loop).

#include <cmath>

#include "ismooth/detail/simd_runs.hpp"

namespace ismooth::detail {

/// Which penalty a run of pairs needs: a compile-time choice, so each of
/// the pair loop's cases is straight-line code.
enum class PenaltyKind { none, quadratic, power };

/// ρ_p and its derivative on a batch of differences d, weighted by `coef`:
/// returns coef·ρ_p(d) and, with kGradient, adds coef·ρ'_p(d) to `flux`.
///
/// One log and one exp per element: with s = d² (+ ε²) and q = s^{p/2 − 1},
///   ρ = s·q (− ε^p),  ρ' = p·d·q,  clipped ρ' = p·d·min(q, 1/|d|).
/// For ε = 0, s is clamped below by δ² (δ = 1e-15 in float, 1e-150 in
/// double) so q stays finite: d = 0 then gives ρ = 0 and ρ' = 0 exactly
/// (sign(0) = 0, docs/spec/energy.md §10); only |d| < δ, far below any intensity
/// difference on the 0–255 scale, sees the clamp. p = 2 with ε = 0 takes a
/// multiply-only path. The same expressions as pair_math.hpp's PairPenalty
/// (the CUDA energy's).
template <class Scalar>
struct Penalty {
  Scalar p;
  Scalar epsilon;
  bool clipped;
  Scalar epsilon_p;  ///< ε^p

  Penalty(double p_, double epsilon_, bool clipped_)
      : p(Scalar(p_)), epsilon(Scalar(epsilon_)), clipped(clipped_),
        epsilon_p(std::pow(epsilon, p)) {}

  static constexpr Scalar kDelta2 = sizeof(Scalar) == 4 ? Scalar(1e-30) : Scalar(1e-300);

  PenaltyKind kind() const {
    return p == Scalar(2) && epsilon == Scalar(0) ? PenaltyKind::quadratic : PenaltyKind::power;
  }

  /// kKind: kind(), known at compile time.
  template <PenaltyKind kKind, bool kGradient>
  Batch<Scalar> accumulate(const Batch<Scalar>& d, const Batch<Scalar>& coef,
                           Batch<Scalar>& flux) const {
    using B = Batch<Scalar>;
    static_assert(kKind != PenaltyKind::none);
    if constexpr (kKind == PenaltyKind::quadratic) {
      if constexpr (kGradient) {
        const B slope = clipped ? xsimd::min(xsimd::max(d, B(-1)), B(1)) : d;
        flux = xsimd::fma(Scalar(2) * coef, slope, flux);
      }
      return coef * (d * d);
    } else {
      return accumulate_power<kGradient>(d, coef, flux);
    }
  }

 private:
  template <bool kGradient>
  Batch<Scalar> accumulate_power(const Batch<Scalar>& d, const Batch<Scalar>& coef,
                                 Batch<Scalar>& flux) const {
    using B = Batch<Scalar>;
    const B exponent(p / Scalar(2) - Scalar(1));
    B q, value;
    if (epsilon == Scalar(0)) {
      const B s = d * d;
      q = xsimd::exp(exponent * xsimd::log(xsimd::max(s, B(kDelta2))));
      value = coef * (s * q);
    } else {
      // Smoothed penalty (d² + ε²)^{p/2} − ε^p: zero at d = 0, so the self
      // pairs we skip contribute nothing.
      const B s = xsimd::fma(d, d, B(epsilon * epsilon));
      q = xsimd::exp(exponent * xsimd::log(s));
      value = coef * xsimd::fms(s, q, B(epsilon_p));
    }
    if constexpr (kGradient) {
      if (clipped) q = xsimd::min(q, B(1) / xsimd::max(xsimd::abs(d), B(Scalar(1e-30))));
      flux = xsimd::fma(p * coef, d * q, flux);
    }
    return value;
  }
};

}  // namespace ismooth::detail
