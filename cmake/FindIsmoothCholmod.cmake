# CHOLMOD 3 from Debian's SuiteSparse 5.12 ships no CMake config and no .pc
# file, so we look for the header and the libraries ourselves. The target is
# named ismooth::cholmod: Ceres' config already defines SuiteSparse::* targets.
find_path(ISMOOTH_CHOLMOD_INCLUDE_DIR cholmod.h PATH_SUFFIXES suitesparse)
foreach(lib cholmod amd camd colamd ccolamd suitesparseconfig)
  find_library(ISMOOTH_${lib}_LIBRARY ${lib})
  list(APPEND ISMOOTH_CHOLMOD_LIBRARIES ${ISMOOTH_${lib}_LIBRARY})
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(IsmoothCholmod
  REQUIRED_VARS ISMOOTH_CHOLMOD_INCLUDE_DIR ISMOOTH_cholmod_LIBRARY ISMOOTH_suitesparseconfig_LIBRARY)
if(IsmoothCholmod_FOUND AND NOT TARGET ismooth::cholmod)
  add_library(ismooth::cholmod INTERFACE IMPORTED)
  set_target_properties(ismooth::cholmod PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${ISMOOTH_CHOLMOD_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${ISMOOTH_CHOLMOD_LIBRARIES}")
endif()
