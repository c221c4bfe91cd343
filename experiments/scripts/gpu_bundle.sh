#!/usr/bin/env bash
# Packs what experiments/scripts/gpu_check.sh runs — the GPU tests, the GPU benchmark
# and the ismooth tool, built here with CUDA — together with the shared
# libraries they load, into one archive to carry to the lent GPU machine.
#
# Why: that machine has CUDA, cuDNN, PyTorch, CMake and ninja but none of our
# Debian packages (oneDNN, Ceres, SuiteSparse, Eigen, xtensor, doctest, CLI11,
# libpng, libjpeg) and no package registry, so the project cannot be configured there.
# The archive holds bin/ (the programs), lib/ (every library they load except
# glibc, libstdc++, libgcc_s — the machine's own are newer — the CUDA driver
# and cuDNN, which the machine provides: cuDNN is too large to carry), and
# source_root, the checkout the programs were built in: tests and benchmarks
# find their data through that path, so gpu_check.sh links it to the copy of
# the tree on the GPU machine.
#
#   experiments/scripts/gpu_bundle.sh [BUILD_DIR] [ARCHIVE]
#       defaults: build (must have been configured with CUDA), .gpu/bundle.tar.xz
#   then, on the GPU machine (device tool: carry .gpu):
#       experiments/scripts/gpu_check.sh --prebuilt .gpu/bundle.tar.xz
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
archive=${2:-$root/.gpu/bundle.tar.xz}
targets=(ismooth_network_tests bench_network_cuda ismooth)

[[ -f $build/CMakeCache.txt ]] || { echo "gpu_bundle: $build is not a configured build folder" >&2; exit 1; }
cmake --build "$build" --target "${targets[@]}" -j"${JOBS:-2}"
ldd "$build/tests/ismooth_network_tests" | grep -q libcudart || {
  echo "gpu_bundle: $build was configured without the CUDA engine (needs nvcc and cuDNN; -DISMOOTH_CUDA=ON)" >&2
  exit 1
}

stage=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-gpu-bundle.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
cp "$build/tests/ismooth_network_tests" "$build/experiments/bench_network_cuda" \
  "$build/experiments/ismooth" "$stage/bin/"
for lib in $(ldd "$stage"/bin/* | awk '/=> \// {print $3}' | sort -u); do
  case $(basename "$lib") in
    libc.so* | libm.so* | libpthread.so* | libdl.so* | librt.so* | ld-linux* | libstdc++.so* | \
      libgcc_s.so* | libcuda.so* | libcudnn*) continue ;;
  esac
  cp -L "$lib" "$stage/lib/"
done
echo "$root" >"$stage/source_root"
git -C "$root" rev-parse HEAD >"$stage/commit" 2>/dev/null || echo unknown >"$stage/commit"
mkdir -p "$(dirname "$archive")"
tar -C "$stage" -cf - . | xz -T0 -6 >"$archive.tmp"
mv "$archive.tmp" "$archive"
echo "gpu_bundle: $archive ($(du -h "$archive" | cut -f1); $(ls "$stage/lib" | wc -l) libraries, commit $(cat "$stage/commit"))"
