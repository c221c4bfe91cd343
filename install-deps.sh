#!/usr/bin/env bash
# Installs every Debian 12 package ismooth needs (build, tests, experiments).
# Idempotent: when everything is already installed it does nothing (no
# apt-get update, no network, root not needed); otherwise it must run as
# root. Note: Debian python3-* modules import only under /usr/bin/python3.
#
# Usage: ./install-deps.sh [--opencv] [--fuzz]
#   --opencv  also install OpenCV with its contrib modules (libopencv-dev,
#             libopencv-contrib-dev), used only by `ismooth experiment table1`
#             to time the classic filters (reconfigure after installing).
#   --fuzz    also install clang with libFuzzer and the sanitizer runtimes
#             (clang, libclang-rt-14-dev) and clang's OpenMP (libomp-dev), for
#             a -DISMOOTH_FUZZ=ON build (docs/fuzzing.md). The normal build's
#             replay of the fuzz corpus needs none of them.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev libceres-dev libsuitesparse-dev
  xtensor-dev xtl-dev libxsimd-dev
  libdnnl-dev ocl-icd-opencl-dev libopenblas-dev
  doctest-dev libcli11-dev libpng-dev libjpeg62-turbo-dev
  python3-numpy python3-matplotlib python3-torch python3-pil
  python3-skimage  # also ships the sample photographs used by the main job and the tests
  python3-dev pybind11-dev python3-pytest  # the Python module (docs/python.md) and its tests
  libopenmpi-dev openmpi-bin  # data-parallel training over MPI (docs/network.md)
)
for arg in "$@"; do
  case "$arg" in
    --opencv) packages+=(libopencv-dev libopencv-contrib-dev) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev libomp-dev) ;;
    *) echo "install-deps: unknown argument '$arg' (usage: $0 [--opencv] [--fuzz])" >&2; exit 2 ;;
  esac
done

# One dpkg-query for all; unknown packages print nothing (and make it exit 1).
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  if ! grep -qx "$p install ok installed" <<<"$installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: must run as root to install: ${missing[*]}" >&2
  echo "install-deps: re-run as root, e.g. sudo $0" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
echo "install-deps: done"
