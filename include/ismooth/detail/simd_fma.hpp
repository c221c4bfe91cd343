#pragma once
// Internal: fused multiply-add on xsimd batches, fused on every instruction
// set the pair loop is built for.
//
// Why not xsimd::fma: xsimd 8.1 (Debian 12) has FMA kernels for SSE/AVX
// with FMA3 but none for AVX-512, where xsimd::fma falls back to x * y + z;
// compiled with -ffp-contract=off (ismooth::core's flag, CMakeLists.txt)
// that is a multiply and an add, rounded twice. The 16-lane pair loop
// (network/training/wide_pair_loop_avx512.cpp) then ran about twice the
// instructions in its polynomials, and simd_power.hpp's exact split
// c·k = hi + lo (lo = fma(c, k, −hi)) lost lo. Here fmadd is one fused
// instruction for 16-lane float and 8-lane double batches and xsimd's own
// elsewhere, so every batch width rounds once.

#include <type_traits>
#include <xsimd/xsimd.hpp>

namespace ismooth::detail {

/// x·y + z, rounded once.
template <class T, class A>
[[gnu::always_inline]] inline xsimd::batch<T, A> fmadd(const xsimd::batch<T, A>& x,
                                                       const xsimd::batch<T, A>& y,
                                                       const xsimd::batch<T, A>& z) {
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {
    if constexpr (std::is_same_v<T, float>) return _mm512_fmadd_ps(x, y, z);
    if constexpr (std::is_same_v<T, double>) return _mm512_fmadd_pd(x, y, z);
  }
#endif
  return xsimd::fma(x, y, z);
}

/// x·y − z and z − x·y, rounded once: fmadd with a negated operand
/// (negation is exact, so the same bits, for one sign flip more).
template <class T, class A>
[[gnu::always_inline]] inline xsimd::batch<T, A> fmsub(const xsimd::batch<T, A>& x,
                                                       const xsimd::batch<T, A>& y,
                                                       const xsimd::batch<T, A>& z) {
  return fmadd(x, y, -z);
}

template <class T, class A>
[[gnu::always_inline]] inline xsimd::batch<T, A> fnmadd(const xsimd::batch<T, A>& x,
                                                        const xsimd::batch<T, A>& y,
                                                        const xsimd::batch<T, A>& z) {
  return fmadd(-x, y, z);
}

}  // namespace ismooth::detail
