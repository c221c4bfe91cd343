#pragma once
// Internal: s^c and e^u on batches of floats for the flattening term's pair
// loop (flattening_penalty.hpp: the power ρ_p per pair and channel, its
// costliest part; flattening_kernel.hpp: the colour weights).
//
// Why not xsimd::exp(c * xsimd::log(s)): xsimd's log divides (f / (2 + f)),
// tests for denormals with a branch, and both functions select their special
// cases (0, ∞, NaN, overflow) per lane; and in float exp(c·log s) loses
// |c·ln s|·2^-24 relative accuracy in the rounding of c·ln s (110 ulp at
// s = 3e34). Here s is a normal float by contract (the callers clamp it to
// δ² = 1e-30 or above) and c is in [−1, 0]: no special case can arise but ∞
// and NaN, which the callers' s·q and d·q carry through (s = ∞: q is finite
// and ρ = s·q = ∞; s NaN: d is NaN). What is left is the Cephes polynomials
// both xsimd and the C library build on (logf: degree 8 on [√½, √2); expf:
// degree 5), all with explicit fused multiply-adds (simd_fma.hpp: fused on
// AVX-512 too, where xsimd's are not), multiplies and adds, so the bits are
// the same for every batch width (AVX2 or AVX-512) and thread count; the
// test "simd power and exp: 16 lanes give the build's batch's bits" checks it
// where the CPU has AVX-512. Measured error (the
// tests "simd power ..." and "simd exp ..."): s^c within 1.35 ulp over
// s ∈ [1e-30, 3e38], e^u within 0.98 ulp.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <xsimd/xsimd.hpp>

#include "ismooth/detail/simd_fma.hpp"

namespace ismooth::detail {

/// e^x for |x| ≤ ½ ln 2 (a little more is fine): Cephes expf's polynomial,
/// 1 + x + x²·P(x) with P of degree 5, by Estrin's scheme.
template <class B>
[[gnu::always_inline]] inline B exp_near_zero(const B& x) {
  const B x2 = x * x;
  const B a0 = fmadd(B(1.6666665459e-1f), x, B(5.0000001201e-1f));
  const B a1 = fmadd(B(8.3334519073e-3f), x, B(4.1665795894e-2f));
  const B a2 = fmadd(B(1.9875691500e-4f), x, B(1.3981999507e-3f));
  const B poly = fmadd(fmadd(a2, x2, a1), x2, a0);
  return fmadd(poly, x2, x) + B(1.0f);
}

/// e · 2^n for integral n ∈ [−128, 128], rounded once (denormal results
/// included): AVX-512's vscalefps in one instruction where the batch is
/// 16 lanes, else in two factors so that both stay normal. Both give the
/// correctly rounded e·2^n, so the same bits.
template <class A>
[[gnu::always_inline]] inline xsimd::batch<float, A> times_power_of_two(
    const xsimd::batch<float, A>& e, const xsimd::batch<float, A>& n) {
  using B = xsimd::batch<float, A>;
  using I = xsimd::batch<std::int32_t, A>;
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, A>) return B(_mm512_scalef_ps(e, n));
#endif
  const I ni = xsimd::to_int(n);
  const I half = ni >> 1;  // n = half + (n − half), each in [−64, 64]
  return e * xsimd::bitwise_cast<B>((half + I(127)) << 23) *
         xsimd::bitwise_cast<B>((ni - half + I(127)) << 23);
}

/// e^u on N batches for u ∈ [−88.7, 88.7] (below −87.33 the result is
/// denormal, as it should be); NaN gives NaN. u = n·ln 2 + r with
/// |r| ≤ ½ ln 2 (Cody–Waite in two parts), then exp_near_zero(r)·2^n.
template <class A, std::size_t N>
[[gnu::always_inline]] inline std::array<xsimd::batch<float, A>, N> exp_of_bounded(
    const std::array<xsimd::batch<float, A>, N>& u) {
  using B = xsimd::batch<float, A>;
  std::array<B, N> n, r, out;
  for (std::size_t i = 0; i < N; ++i) n[i] = xsimd::nearbyint(u[i] * B(1.44269504088896341f));
  for (std::size_t i = 0; i < N; ++i)
    r[i] = fnmadd(n[i], B(-2.12194440e-4f), fnmadd(n[i], B(0.693359375f), u[i]));
  for (std::size_t i = 0; i < N; ++i) out[i] = times_power_of_two(exp_near_zero(r[i]), n[i]);
  return out;
}

/// s^c for float lanes s that are normal and > 0 (or +∞ / NaN, see above)
/// and c ∈ [−1, 0], on N batches at once.
///
/// s^c = 2^(c·k) · 2^(c·log2 m) for s = 2^k·m. The product c·k is kept
/// exact as hi + lo (an fma gives lo), so the only rounding that grows with
/// |log s| is gone: exp(c·log s) in float loses |c·ln s|·2^-24 relative,
/// up to 110 ulp at s = 3e34 (the test measured it), where this stays within
/// a few ulp over the whole float range.
///
/// Each element is a chain of about 35 dependent operations; the N chains
/// are written step by step side by side so the core overlaps them (one
/// chain at a time left the pair loop waiting on latency: by our count 56
/// cycles per batch where the operations need 15), and the polynomials use
/// Estrin's scheme (depth 4 and 3 instead of 9 and 6) for the same reason.
template <class A, std::size_t N>
[[gnu::always_inline]] inline std::array<xsimd::batch<float, A>, N> power_of_positive(
    const std::array<xsimd::batch<float, A>, N>& s, const xsimd::batch<float, A>& c) {
  using B = xsimd::batch<float, A>;
  using I = xsimd::batch<std::int32_t, A>;
  const auto each = [](auto&& step) {
    for (std::size_t i = 0; i < N; ++i) step(i);
  };
  std::array<B, N> k, f, ln_m, n, r;
  std::array<I, N> bits;
  // s = 2^k · m with m ∈ [√½, √2): shift the exponent field so the mantissa
  // lands there (as Cephes' frexp + "if m < √½" does), f = m − 1.
  each([&](std::size_t i) { bits[i] = xsimd::bitwise_cast<I>(s[i]) + I(0x3f800000 - 0x3f3504f3); });
  each([&](std::size_t i) { k[i] = xsimd::to_float((bits[i] >> 23) - I(0x7f)); });
  each([&](std::size_t i) { bits[i] = (bits[i] & I(0x007fffff)) + I(0x3f3504f3); });
  each([&](std::size_t i) { f[i] = xsimd::bitwise_cast<B>(bits[i]) - B(1.0f); });
  // ln m = ln(1 + f) = f − f²/2 + f³·P(f) (Cephes logf: P of degree 8).
  each([&](std::size_t i) {
    const B x = f[i], x2 = x * x, x4 = x2 * x2;
    const B a0 = fmadd(B(-2.4999993993e-1f), x, B(3.3333331174e-1f));
    const B a1 = fmadd(B(-1.6668057665e-1f), x, B(2.0000714765e-1f));
    const B a2 = fmadd(B(-1.2420140846e-1f), x, B(1.4249322787e-1f));
    const B a3 = fmadd(B(-1.1514610310e-1f), x, B(1.1676998740e-1f));
    const B b0 = fmadd(a1, x2, a0);
    const B b1 = fmadd(B(7.0376836292e-2f), x2, a3);  // c8·x² + a3
    const B p = fmadd(fmadd(b1, x2, a2), x4, b0);
    ln_m[i] = x + fmadd(p * x, x2, B(-0.5f) * x2);
  });
  // c·log2 s = hi + lo + c·log2 m with hi + lo = c·k exactly; n = round(hi)
  // and r = (hi − n) + lo + c·log2 m, |r| ≤ 1, hi − n exact.
  const B c_log2e = c * B(1.44269504088896341f);
  each([&](std::size_t i) {
    const B hi = c * k[i];
    const B lo = fmsub(c, k[i], hi);
    n[i] = xsimd::nearbyint(hi);
    r[i] = (hi - n[i]) + fmadd(c_log2e, ln_m[i], lo);
  });
  // Once more to |r| ≤ ½, then 2^r = e^(r·ln 2).
  std::array<B, N> out;
  each([&](std::size_t i) {
    const B n2 = xsimd::nearbyint(r[i]);
    out[i] = times_power_of_two(exp_near_zero((r[i] - n2) * B(0.693147180559945309f)), n[i] + n2);
  });
  return out;
}

}  // namespace ismooth::detail
