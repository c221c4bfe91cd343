// launched_reducer() of a build without MPI (gradient_reducer.hpp): alone,
// or refused when started by mpirun.
#include "ismooth/error.hpp"
#include "ismooth/network/gradient_reducer.hpp"
#include "training/launcher_environment.hpp"

namespace ismooth::network {

std::unique_ptr<GradientReducer> launched_reducer() {
  if (const char* size = detail::mpi_launcher_size())
    fail("started by mpirun (", size,
         " ranks) but this ismooth was built without MPI; rebuild with Open MPI installed "
         "(libopenmpi-dev, -DISMOOTH_MPI=ON) or run it without mpirun");
  return nullptr;
}

bool built_with_mpi() { return false; }

}  // namespace ismooth::network
