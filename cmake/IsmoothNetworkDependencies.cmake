# The dependency of ismooth::network (its CPU engine) beyond the core's:
# oneDNN 2.6 (2.x API), private to the library but needed at link time since
# the library is static. Its config needs the OpenCL ICD loader
# (ocl-icd-opencl-dev) because Debian builds it with the GPU runtime. See
# IsmoothCoreDependencies.cmake for ismooth_find_dependency.

ismooth_find_dependency(dnnl 2.6 CONFIG)

# MPI (its C API) when ismooth was built with it (IsmoothMpi.cmake; the
# installed config sets ismooth_WITH_MPI).
if(ISMOOTH_WITH_MPI OR ismooth_WITH_MPI)
  ismooth_find_dependency(MPI COMPONENTS CXX)
endif()
