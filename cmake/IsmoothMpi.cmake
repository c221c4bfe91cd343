# Decides whether ismooth::network has the MPI implementation of
# gradient_reducer.hpp (data-parallel training, ISMOOTH_MPI = AUTO | ON |
# OFF): AUTO builds it when MPI is found (Debian:
# libopenmpi-dev), ON requires it, OFF leaves it out (mpirun is then
# refused with a message). Result: ISMOOTH_WITH_MPI (ON/OFF) and MPI::MPI_CXX.
include(IsmoothAutoOption)
ismooth_auto_option(ISMOOTH_MPI "Data-parallel training over MPI: AUTO (if MPI is found), ON, OFF")
set(ISMOOTH_WITH_MPI OFF)
if(NOT ISMOOTH_MPI_WANTED)
  message(STATUS "ismooth: MPI disabled (ISMOOTH_MPI=${ISMOOTH_MPI})")
  return()
endif()
# The C API (MPI::MPI_CXX: the C functions for a C++ program; the C++
# bindings left in MPI 3 are not used).
find_package(MPI QUIET COMPONENTS CXX)
if(NOT MPI_CXX_FOUND)
  if(ISMOOTH_MPI_REQUIRED)
    message(FATAL_ERROR "ISMOOTH_MPI=ON but MPI was not found (./install-deps.sh installs Open MPI: libopenmpi-dev openmpi-bin)")
  endif()
  message(STATUS "ismooth: MPI not found; training runs on one process (ISMOOTH_MPI=AUTO)")
  return()
endif()
set(ISMOOTH_WITH_MPI ON)
message(STATUS "ismooth: data-parallel training over MPI ${MPI_CXX_VERSION} (${MPIEXEC_EXECUTABLE})")
