#pragma once
// Our programs (the ismooth tool, the benchmarks) wait passively in OpenMP
// unless the user chose otherwise. libgomp's default is to spin for a while
// at the end of every parallel region; on a shared or busy machine (two
// processes on two cores, `ctest -j2`) the spinning threads steal the cores
// the working ones need, and `ismooth experiment fig6 --quick` ran 3-8x
// slower. README, "OpenMP threads", has the numbers.
//
// libgomp reads OMP_WAIT_POLICY once, in its library constructor, before
// main() runs, so setting the variable in main() would change nothing: when
// neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set, the program sets
// OMP_WAIT_POLICY=PASSIVE and executes itself again (same pid, arguments and
// open files). Call it first thing in main(), before any OpenMP call.

#include <unistd.h>

#include <cstdlib>

namespace ismooth::tool {

inline void default_to_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr)
    return;
  if (::setenv("OMP_WAIT_POLICY", "PASSIVE", 0) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Only reached when the exec failed (no /proc): run on with the runtime's
  // default, which costs speed, not correctness.
}

}  // namespace ismooth::tool
