# Decides whether the CUDA engine is built (ISMOOTH_CUDA = AUTO | ON | OFF) and
# enables the CUDA language when it is. Result: ISMOOTH_WITH_CUDA (ON/OFF).
# Facts (docs/network.md, "CUDA engine"): toolkit 13.0 (sm_70 and older unsupported), cuDNN
# 9 without a CMake package, one shared CUDA runtime for every target.
include(IsmoothAutoOption)
ismooth_auto_option(ISMOOTH_CUDA "Build the CUDA engine: AUTO (if nvcc and cuDNN are found), ON, OFF")
set(ISMOOTH_WITH_CUDA OFF)
if(NOT ISMOOTH_CUDA_WANTED)
  message(STATUS "ismooth: CUDA engine disabled (ISMOOTH_CUDA=${ISMOOTH_CUDA})")
  return()
endif()

# nvcc: CUDACXX, PATH or the usual toolkit location.
if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc CACHE FILEPATH "CUDA compiler")
endif()
include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  if(ISMOOTH_CUDA_REQUIRED)
    message(FATAL_ERROR "ISMOOTH_CUDA=ON but no CUDA compiler was found (set CUDACXX)")
  endif()
  message(STATUS "ismooth: no CUDA compiler, building without the CUDA engine")
  return()
endif()
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  # A100 (sm_80) and H100/H200 (sm_90).
  set(CMAKE_CUDA_ARCHITECTURES 80 90)
endif()
set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
# CMake 3.25 does not know nvcc 13 dialects beyond C++17; the kernels need no more.
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
enable_language(CUDA)
find_package(CUDAToolkit)
if(CUDAToolkit_FOUND)
  find_package(IsmoothCudnn)
endif()
if(NOT CUDAToolkit_FOUND OR NOT IsmoothCudnn_FOUND)
  if(ISMOOTH_CUDA_REQUIRED)
    message(FATAL_ERROR "ISMOOTH_CUDA=ON but the CUDA toolkit or cuDNN was not found")
  endif()
  message(STATUS "ismooth: CUDA toolkit or cuDNN missing, building without the CUDA engine")
  return()
endif()
set(ISMOOTH_WITH_CUDA ON)
message(STATUS "ismooth: CUDA engine on (CUDA ${CUDAToolkit_VERSION}, cuDNN ${IsmoothCudnn_VERSION}, "
               "architectures ${CMAKE_CUDA_ARCHITECTURES})")
