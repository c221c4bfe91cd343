#pragma once
// Internal: the penalty ρ_p of the flattening term on a batch of pair
// differences (flattening_kernel.hpp's pair loop).

#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "ismooth/detail/simd_fma.hpp"
#include "ismooth/detail/simd_power.hpp"
#include "ismooth/detail/simd_runs.hpp"

namespace ismooth::detail {

/// Which penalty a run of pairs needs: a compile-time choice, so each of
/// the pair loop's cases is straight-line code.
enum class PenaltyKind { none, quadratic, power };

/// ρ_p and its derivative on a batch of differences d, weighted by `coef`:
/// returns coef·ρ_p(d) and, with kGradient, adds coef·ρ'_p(d) to `flux`.
///
/// One power per element: with s = d² (+ ε²) and q = s^{p/2 − 1},
///   ρ = s·q (− ε^p),  ρ' = p·d·q,  clipped ρ' = p·d·min(q, 1/|d|)
/// = p·sign(d)·min(|d|·q, 1) (no division).
/// For ε = 0, s is clamped below by δ² (δ = 1e-15 in float, 1e-150 in
/// double) so q stays finite: d = 0 then gives ρ = 0 and ρ' = 0 exactly
/// (sign(0) = 0, docs/spec/energy.md §10); only |d| < δ, far below any intensity
/// difference on the 0–255 scale, sees the clamp. p = 2 with ε = 0 takes a
/// multiply-only path. The same expressions as pair_math.hpp's PairPenalty
/// (the CUDA energy's); in float the power is simd_power.hpp's (within
/// 1.35 ulp), in double xsimd's exp(c·log s).
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

  [[gnu::always_inline]] PenaltyKind kind() const {
    return p == Scalar(2) && epsilon == Scalar(0) ? PenaltyKind::quadratic : PenaltyKind::power;
  }

  /// kKind: kind(), known at compile time. N differences at once (the pair
  /// loop passes its three channels): returns Σ_n coef·ρ_p(d_n) and, with
  /// kGradient, adds coef·ρ'_p(d_n) to flux[n]. Always inlined: the N chains
  /// of the power must sit side by side in the pair loop's code for the
  /// core to overlap them (simd_power.hpp).
  /// B: the batch type (Batch<Scalar> or a wider one, simd_runs.hpp).
  template <PenaltyKind kKind, bool kGradient, class B, std::size_t N>
  [[gnu::always_inline]] B accumulate(const std::array<B, N>& d, const B& coef,
                                      std::array<B, N>& flux) const {
    static_assert(kKind != PenaltyKind::none);
    B value(Scalar(0));
    if constexpr (kKind == PenaltyKind::quadratic) {
      for (std::size_t i = 0; i < N; ++i) {
        if constexpr (kGradient) {
          const B slope = clipped ? xsimd::min(xsimd::max(d[i], B(-1)), B(1)) : d[i];
          flux[i] = fmadd(Scalar(2) * coef, slope, flux[i]);
        }
        value += d[i] * d[i];
      }
    } else {
      // s = d² (+ ε²), clamped at δ² for the power: with ε > 0 the clamp
      // only binds for ε < δ. The smoothed penalty (d² + ε²)^{p/2} − ε^p is
      // zero at d = 0, so the self pairs we skip contribute nothing.
      std::array<B, N> s, clamped;
      for (std::size_t i = 0; i < N; ++i) {
        s[i] = epsilon == Scalar(0) ? d[i] * d[i] : fmadd(d[i], d[i], B(epsilon * epsilon));
        clamped[i] = xsimd::max(s[i], B(kDelta2));
      }
      const std::array<B, N> q = power(clamped, B(p / Scalar(2) - Scalar(1)));
      for (std::size_t i = 0; i < N; ++i) {
        value += epsilon == Scalar(0) ? s[i] * q[i] : fmsub(s[i], q[i], B(epsilon_p));
        if constexpr (kGradient) {
          // Clipped: p·d·min(q, 1/|d|) = p·sign(d)·min(|d|·q, 1), without
          // a division; d·q and copysign(|d|·q, d) are the same bits.
          const B slope =
              clipped ? xsimd::copysign(xsimd::min(xsimd::abs(d[i]) * q[i], B(1)), d[i])
                      : d[i] * q[i];
          flux[i] = fmadd(p * coef, slope, flux[i]);
        }
      }
    }
    return coef * value;
  }

 private:
  /// s^c for s ≥ δ²: float lanes by simd_power.hpp's polynomials, double
  /// lanes (the accuracy reference) by xsimd's exp and log.
  template <class B, std::size_t N>
  [[gnu::always_inline]] static std::array<B, N> power(const std::array<B, N>& s, const B& c) {
    if constexpr (std::is_same_v<Scalar, float>) {
      return power_of_positive(s, c);
    } else {
      std::array<B, N> out;
      for (std::size_t i = 0; i < N; ++i) out[i] = xsimd::exp(c * xsimd::log(s[i]));
      return out;
    }
  }
};

}  // namespace ismooth::detail
