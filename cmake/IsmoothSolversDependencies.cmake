# The dependencies of ismooth::solvers beyond the core's: Ceres (L-BFGS) and
# CHOLMOD (IRLS; FindIsmoothCholmod makes ismooth::cholmod). See
# IsmoothCoreDependencies.cmake for ismooth_find_dependency.

ismooth_find_dependency(Ceres 2.1)
ismooth_find_dependency(IsmoothCholmod)
