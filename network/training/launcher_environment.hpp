#pragma once
// Internal to ismooth::network: whether this process was started by an MPI
// launcher (mpirun, srun, mpiexec.hydra), read from the variables each sets.

#include <cstdlib>

namespace ismooth::network::detail {

inline const char* mpi_launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"})
    if (const char* v = std::getenv(name)) return v;
  return nullptr;
}

}  // namespace ismooth::network::detail
