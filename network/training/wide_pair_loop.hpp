#pragma once
// The flattening term's pair loop in 16 float lanes (AVX-512), for the
// trainer's loss: chosen at run time, so the build keeps its portable
// ISMOOTH_SIMD_FLAGS (AVX2 by default) and a CPU without AVX-512 still runs
// the build's own loop. The energy is most of a training step's cost beside
// the network (docs/network.md, "The energy in 16 lanes").

#include "ismooth/detail/flattening_kernel.hpp"

namespace ismooth::network::detail {

/// The 16-lane loop where this CPU has AVX-512 F, BW, DQ and VL (and the
/// build has the loop: x86-64 with GCC or Clang), else null (the build's own
/// loop). For FlatteningTerm<float>::Options::pair_loop.
ismooth::detail::FlatteningKernel<float>::BandLoop wide_pair_loop();

/// The 16-lane loop itself, whatever the CPU: wide_pair_loop_avx512.cpp, the
/// one file compiled with AVX-512 flags. Call only where the CPU has them.
ismooth::detail::FlatteningKernel<float>::BandLoop avx512_pair_loop();

}  // namespace ismooth::network::detail
