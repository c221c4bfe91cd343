# cuDNN 9 ships no CMake package: find its header and library (under the CUDA
# toolkit or the system prefix) and make the imported target IsmoothCudnn::cudnn.
#   IsmoothCudnn_FOUND, IsmoothCudnn_VERSION, IsmoothCudnn_INCLUDE_DIR, IsmoothCudnn_LIBRARY
set(_ismooth_cudnn_hints)
if(CUDAToolkit_LIBRARY_ROOT)
  list(APPEND _ismooth_cudnn_hints ${CUDAToolkit_LIBRARY_ROOT})
endif()
if(CUDAToolkit_INCLUDE_DIRS)
  list(APPEND _ismooth_cudnn_hints ${CUDAToolkit_INCLUDE_DIRS}/..)
endif()
list(APPEND _ismooth_cudnn_hints /usr/local/cuda $ENV{CUDNN_ROOT} $ENV{CUDA_HOME})
find_path(IsmoothCudnn_INCLUDE_DIR cudnn.h HINTS ${_ismooth_cudnn_hints} PATH_SUFFIXES include)
find_library(IsmoothCudnn_LIBRARY cudnn HINTS ${_ismooth_cudnn_hints} PATH_SUFFIXES lib64 lib)
if(IsmoothCudnn_INCLUDE_DIR)
  foreach(_part MAJOR MINOR PATCHLEVEL)
    file(STRINGS "${IsmoothCudnn_INCLUDE_DIR}/cudnn_version.h" _line
         REGEX "^#define CUDNN_${_part} +[0-9]+")
    string(REGEX REPLACE ".* ([0-9]+).*" "\\1" _cudnn_${_part} "${_line}")
  endforeach()
  set(IsmoothCudnn_VERSION "${_cudnn_MAJOR}.${_cudnn_MINOR}.${_cudnn_PATCHLEVEL}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(IsmoothCudnn
  REQUIRED_VARS IsmoothCudnn_LIBRARY IsmoothCudnn_INCLUDE_DIR VERSION_VAR IsmoothCudnn_VERSION)
if(IsmoothCudnn_FOUND AND NOT TARGET IsmoothCudnn::cudnn)
  add_library(IsmoothCudnn::cudnn SHARED IMPORTED)
  set_target_properties(IsmoothCudnn::cudnn PROPERTIES
    IMPORTED_LOCATION "${IsmoothCudnn_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${IsmoothCudnn_INCLUDE_DIR}")
endif()
mark_as_advanced(IsmoothCudnn_INCLUDE_DIR IsmoothCudnn_LIBRARY)
