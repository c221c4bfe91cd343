#!/usr/bin/env bash
# Install test: installs the build tree into a temporary prefix, checks the
# installed tool, then configures, builds and runs three projects against the
# prefix with find_package(ismooth) and -DCMAKE_PREFIX_PATH=<prefix>, all with
# the compiler's default flags:
#   consumer/   every component: a user term through the solvers, the shipped
#               model from C++, and the energy's speed with default flags
#               beside -march=native (the ratio is printed, not asserted);
#   core_only/  COMPONENTS core with Ceres, CHOLMOD, oneDNN and CUDA hidden and
#               no build type (the package config must warn);
#   no_cuda/    COMPONENTS solvers network with CUDA hidden; asking for cuda
#               there must fail at configure time with the reason.
#   test_install.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(realpath "${1:?usage: test_install.sh SOURCE_DIR BUILD_DIR}")
build=$(realpath "${2:?usage: test_install.sh SOURCE_DIR BUILD_DIR}")

work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log"; exit 1; }
config=$(find "$prefix" -name ismoothConfig.cmake -print -quit)
[[ -n $config ]] || { echo "FAIL: no ismoothConfig.cmake under $prefix"; exit 1; }
[[ -f $prefix/include/ismooth/ismooth.hpp ]] || { echo "FAIL: headers not installed"; exit 1; }
[[ -x $prefix/share/ismooth/plot_trace.py ]] || { echo "FAIL: share/ismooth/plot_trace.py not installed"; exit 1; }
echo "config: ${config#"$prefix"/}"
# The tool is installed too when it was built.
if [[ -x $build/experiments/ismooth ]]; then
  [[ -x $prefix/bin/ismooth ]] || { echo "FAIL: bin/ismooth not installed"; exit 1; }
  "$prefix/bin/ismooth" --help >/dev/null || { echo "FAIL: installed ismooth --help failed"; exit 1; }
  # The shipped model is installed, and the installed tool finds it without
  # --model, relative to itself: also after the prefix has moved.
  model=share/ismooth/models/default.model
  [[ -f $prefix/$model ]] || { echo "FAIL: $model not installed"; exit 1; }
  # A 5 x 4 grey PNG (ismooth reads PNG and JPEG only).
  base64 -d >"$work/in.png" <<<'iVBORw0KGgoAAAANSUhEUgAAAAUAAAAECAAAAABjWKqcAAAADklEQVR42mNoAAEGDBIAeBgKARmGZfAAAAAASUVORK5CYII='
  mv "$prefix" "$work/moved"
  (cd "$work" && env -u ISMOOTH_MODEL OMP_NUM_THREADS=1 "$work/moved/bin/ismooth" smooth in.png out.png \
    --time 2>"$work/smooth.log") || { cat "$work/smooth.log"; echo "FAIL: installed smooth"; exit 1; }
  grep -q "model $work/moved/$model" "$work/smooth.log" ||
    { cat "$work/smooth.log"; echo "FAIL: the installed tool did not use the installed model"; exit 1; }
  echo "installed ismooth smooth used $model from the moved prefix"
  mv "$work/moved" "$prefix"
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# The consumers compile with the compiler's default flags: nothing from the
# caller's environment.
unset CXXFLAGS CPPFLAGS LDFLAGS
# Nothing but the prefix may lead to ismooth: no package registry, and copies
# of the consumers outside the source tree.
cp -r "$src/tests/install/consumer" "$src/tests/install/core_only" "$src/tests/install/no_cuda" "$work/"
configure() {  # configure NAME LOG [cmake args...]
  local name=$1 log=$2
  shift 2
  cmake -S "$work/$name" -B "$work/build-$name" "${generator[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_FIND_PACKAGE_NO_SYSTEM_PACKAGE_REGISTRY=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" \
    >"$log" 2>&1
}

echo "== configure the consumer (every component, default flags, Release)"
configure consumer "$work/configure.log" -DCMAKE_BUILD_TYPE=Release ||
  { cat "$work/configure.log"; exit 1; }
grep -- "ismooth .* from" "$work/configure.log"
grep -q "from $prefix/" "$work/configure.log" ||
  { echo "FAIL: ismooth was not found in the install prefix"; exit 1; }
commands=$work/build-consumer/compile_commands.json
if grep -q -- "-I$src/include" "$commands"; then
  echo "FAIL: the consumer compiles against the source tree, not the installed headers"
  exit 1
fi
# ismooth::core brings the SIMD flags, except to a target that opts out.
flags_of() { grep "\"command\".*energy_speed_$1\.dir" "$commands"; }
flags_of default | grep -q -- "-mavx2" || { echo "FAIL: ismooth::core did not bring -mavx2"; exit 1; }
flags_of portable | grep -q -- "-mavx2" && { echo "FAIL: ISMOOTH_SIMD OFF still got -mavx2"; exit 1; }
echo "SIMD flags: from ismooth::core's interface, off where ISMOOTH_SIMD is OFF"

echo "== build and run the consumer"
cmake --build "$work/build-consumer" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
model=$prefix/share/ismooth/models/default.model
OMP_NUM_THREADS=2 "$work/build-consumer/consumer" "$model"

echo "== the energy at 224x224 (value + gradient, one thread): default flags vs -march=native"
ms() {
  OMP_NUM_THREADS=1 "$work/build-consumer/energy_speed_$1" "$model" >"$work/speed-$1.log" ||
    { cat "$work/speed-$1.log"; exit 1; }
  awk '/^ms_per_evaluation/ {print $2}' "$work/speed-$1.log"
}
default_ms=$(ms default)
native_ms=$(ms native)
portable_ms=$(ms portable)
awk -v d="$default_ms" -v n="$native_ms" -v p="$portable_ms" -v cpu="$(lscpu 2>/dev/null |
    sed -n 's/^Model name: *//p' | head -1)" 'BEGIN {
  printf "CPU: %s\n", cpu
  printf "ms per evaluation: default flags %.3f, -march=native %.3f, ISMOOTH_SIMD OFF %.3f\n", d, n, p
  printf "ratio default/native: %.2f (issue 14 asks for <= 1.3)\n", d / n
  printf "ratio SIMD-off/default: %.2f (what the SIMD flags of ismooth::core buy)\n", p / d
}'

echo "== a consumer of core only: no Ceres, CHOLMOD, oneDNN or CUDA; no build type"
configure core_only "$work/core.log" -DCMAKE_DISABLE_FIND_PACKAGE_Ceres=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_IsmoothCholmod=ON -DCMAKE_DISABLE_FIND_PACKAGE_dnnl=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON -DCMAKE_DISABLE_FIND_PACKAGE_IsmoothCudnn=ON ||
  { cat "$work/core.log"; echo "FAIL: a core-only consumer did not configure"; exit 1; }
grep -q "CMAKE_BUILD_TYPE is not set" "$work/core.log" ||
  { cat "$work/core.log"; echo "FAIL: no warning for a missing CMAKE_BUILD_TYPE"; exit 1; }
echo "the package config warns: $(grep -o "CMAKE_BUILD_TYPE is not set.*" "$work/core.log")"
cmake --build "$work/build-core_only" >"$work/core-build.log" 2>&1 ||
  { cat "$work/core-build.log"; exit 1; }
"$work/build-core_only/core_only"

echo "== a consumer of solvers and network without CUDA"
configure no_cuda "$work/nocuda.log" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON -DCMAKE_DISABLE_FIND_PACKAGE_IsmoothCudnn=ON ||
  { cat "$work/nocuda.log"; echo "FAIL: solvers + network need CUDA"; exit 1; }
cmake --build "$work/build-no_cuda" >"$work/nocuda-build.log" 2>&1 ||
  { cat "$work/nocuda-build.log"; exit 1; }
if grep -Eq "cudart|cudnn" "$work/build-no_cuda/build.ninja" 2>/dev/null; then
  echo "FAIL: the CPU-only consumer links the CUDA runtime or cuDNN"
  exit 1
fi
"$work/build-no_cuda/no_cuda"
# Asking for the cuda component where CUDA cannot be found (or ismooth was
# built without it) fails at configure time, saying why.
if configure no_cuda "$work/askcuda.log" -DASK_CUDA=ON -DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON; then
  echo "FAIL: the cuda component was found with CUDA hidden"
  exit 1
fi
grep -Eq "component cuda: (its dependency CUDAToolkit was not found|this ismooth was built without)" \
  "$work/askcuda.log" || { cat "$work/askcuda.log"; echo "FAIL: no reason for the missing cuda component"; exit 1; }
echo "asking for cuda without CUDA: $(grep -o "component cuda: [^;]*" "$work/askcuda.log" | head -1)"
echo "install test: ok"
