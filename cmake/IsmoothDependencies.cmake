# Finds the Debian 12 packages ismooth builds on (see ../shared/deps.md facts
# recorded in docs/dependencies.md). Used both by our own build and by
# ismoothConfig.cmake after install, so consumers get the same targets.
include(CMakeFindDependencyMacro)

find_package(Eigen3 3.4 REQUIRED NO_MODULE)
# xsimd's config forgets to look for xtl; XTENSOR_USE_XSIMD must be set
# before xtensor is found or it silently does nothing.
find_package(xtl REQUIRED)
find_package(xsimd REQUIRED)
set(XTENSOR_USE_XSIMD ON)
find_package(xtensor REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
# Image files (image_io.hpp): libpng and libjpeg-turbo, maintained and fuzzed
# upstream, since images are untrusted input. CMake's own find modules make
# PNG::PNG (with ZLIB::ZLIB) and JPEG::JPEG.
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)

# Solvers: Ceres (L-BFGS) and CHOLMOD (IRLS).
find_package(Ceres 2.1 REQUIRED)
find_package(IsmoothCholmod REQUIRED)

# The network's CPU engine: oneDNN 2.6 (2.x API). Its config needs the OpenCL
# ICD loader (ocl-icd-opencl-dev) because Debian builds it with the GPU runtime.
find_package(dnnl 2.6 CONFIG REQUIRED)

# The network's CUDA engine (only when ismooth was built with it): the CUDA
# runtime and cuDNN 9, for which FindIsmoothCudnn makes a target.
if(ISMOOTH_WITH_CUDA)
  find_package(CUDAToolkit REQUIRED)
  find_package(IsmoothCudnn REQUIRED)
endif()
