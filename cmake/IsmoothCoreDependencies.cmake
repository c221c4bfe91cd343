# The dependencies of ismooth::core (header-only): Eigen, xtensor with xsimd,
# OpenMP, libpng and libjpeg (Debian 12 packages; install-deps.sh installs
# them). Used by our own build and by ismoothConfig.cmake for the `core`
# component, through ismooth_find_dependency (REQUIRED in our build; QUIET
# with a message naming the missing package in the package config).

ismooth_find_dependency(Eigen3 3.4 NO_MODULE)
# xsimd's config forgets to look for xtl; XTENSOR_USE_XSIMD must be set
# before xtensor is found or it silently does nothing.
ismooth_find_dependency(xtl)
ismooth_find_dependency(xsimd)
set(XTENSOR_USE_XSIMD ON)
ismooth_find_dependency(xtensor)
ismooth_find_dependency(OpenMP COMPONENTS CXX)
# Image files (image_io.hpp): libpng and libjpeg-turbo, maintained and fuzzed
# upstream, since images are untrusted input. CMake's own find modules make
# PNG::PNG (with ZLIB::ZLIB) and JPEG::JPEG.
ismooth_find_dependency(PNG)
ismooth_find_dependency(JPEG)
