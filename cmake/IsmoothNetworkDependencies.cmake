# The dependency of ismooth::network (its CPU engine) beyond the core's:
# oneDNN 2.6 (2.x API), private to the library but needed at link time since
# the library is static. Its config needs the OpenCL ICD loader
# (ocl-icd-opencl-dev) because Debian builds it with the GPU runtime. See
# IsmoothCoreDependencies.cmake for ismooth_find_dependency.

ismooth_find_dependency(dnnl 2.6 CONFIG)
