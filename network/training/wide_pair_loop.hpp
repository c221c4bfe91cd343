#pragma once
// The flattening term's pair loop in 16 float lanes (AVX-512), for the
// trainer's loss: chosen at run time, so the build keeps its portable
// ISMOOTH_SIMD_FLAGS (AVX2 by default) and a CPU without AVX-512 still runs
// the build's own loop. The energy is most of a training step's cost beside
// the network (docs/network.md, "The energy in 16 lanes").

#include <cstddef>

#include "ismooth/detail/flattening_kernel.hpp"

namespace ismooth::network::detail {

/// The 16-lane loop where this CPU has AVX-512 F, BW, DQ and VL (and the
/// build has the loop: x86-64 with GCC or Clang), else null (the build's own
/// loop). For FlatteningTerm<float>::Options::pair_loop.
ismooth::detail::FlatteningKernel<float>::BandLoop wide_pair_loop();

/// The 16-lane loop itself, whatever the CPU: wide_pair_loop_avx512.cpp, the
/// one file compiled with AVX-512 flags. Call only where the CPU has them.
ismooth::detail::FlatteningKernel<float>::BandLoop avx512_pair_loop();

/// For tests, from the same file: simd_power.hpp's power_of_positive (three
/// batches at a time, as the pair loop calls it) and exp_of_bounded in 16
/// lanes, over the first n values (whole groups of 48, batches of 16). Call
/// only where the CPU has AVX-512.
void avx512_powers(const float* s, float c, float* out, std::size_t n);
void avx512_exps(const float* u, float* out, std::size_t n);

}  // namespace ismooth::network::detail
