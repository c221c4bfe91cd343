# The dependencies of ismooth::cuda, the network's CUDA engine (only where
# ismooth was built with it): the CUDA runtime and cuDNN 9, for which
# FindIsmoothCudnn makes a target. Linking needs the libraries only, not nvcc.
# See IsmoothCoreDependencies.cmake for ismooth_find_dependency.

ismooth_find_dependency(CUDAToolkit)
ismooth_find_dependency(IsmoothCudnn)
