// The run-time choice of the pair loop (wide_pair_loop.hpp). Compiled with
// the build's flags: nothing here may run AVX-512 code before the check.
#include "training/wide_pair_loop.hpp"

namespace ismooth::network::detail {

ismooth::detail::FlatteningKernel<float>::BandLoop wide_pair_loop() {
#if defined(ISMOOTH_HAVE_AVX512_PAIR_LOOP)
  static const bool cpu_has_it =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (cpu_has_it) return avx512_pair_loop();
#endif
  return nullptr;
}

}  // namespace ismooth::network::detail
