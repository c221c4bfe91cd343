// The pair loop instantiated for 16 float lanes: the one file of the build
// compiled with AVX-512 flags (network/CMakeLists.txt). Everything it emits
// must be specific to the 16-lane batch type. An inline function shared with
// the other files (a std::vector or xtensor member, std::copy, ...) would be
// emitted here too, compiled with AVX-512, and the linker may keep this copy
// for the whole program, where a CPU without AVX-512 would then fault. So the
// band loop reads the kernel's data through raw pointers and its small
// helpers are always inlined; the CTest wide_pair_loop_symbols
// (tests/network/wide_pair_loop_symbols.cmake) lists this object's weak
// symbols and fails on any that is not a 16-lane instantiation.
#include <array>
#include <cstddef>
#include <xsimd/xsimd.hpp>

#include "training/wide_pair_loop.hpp"

#if !XSIMD_WITH_AVX512BW
#error "wide_pair_loop_avx512.cpp needs -mavx512f -mavx512bw -mavx512dq -mavx512vl"
#endif

namespace ismooth::network::detail {

ismooth::detail::FlatteningKernel<float>::BandLoop avx512_pair_loop() {
  return ismooth::detail::FlatteningKernel<float>::band_loop<xsimd::batch<float, xsimd::avx512bw>>();
}

void avx512_powers(const float* s, float c, float* out, std::size_t n) {
  using B = xsimd::batch<float, xsimd::avx512bw>;
  for (std::size_t k = 0; k + 3 * B::size <= n; k += 3 * B::size) {
    const std::array<B, 3> q = ismooth::detail::power_of_positive(
        std::array<B, 3>{B::load_unaligned(s + k), B::load_unaligned(s + k + B::size),
                         B::load_unaligned(s + k + 2 * B::size)},
        B(c));
    for (std::size_t i = 0; i < 3; ++i) q[i].store_unaligned(out + k + i * B::size);
  }
}

void avx512_exps(const float* u, float* out, std::size_t n) {
  using B = xsimd::batch<float, xsimd::avx512bw>;
  for (std::size_t k = 0; k + B::size <= n; k += B::size)
    ismooth::detail::exp_of_bounded(std::array<B, 1>{B::load_unaligned(u + k)})[0].store_unaligned(
        out + k);
}

}  // namespace ismooth::network::detail
