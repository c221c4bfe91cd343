#!/usr/bin/env bash
# One command for a GPU machine: configure + build with CUDA (reusing the
# build folder), run every GPU test (they skip, not fail, without a device,
# so this also says loudly when nothing ran), then the GPU benchmark beside
# PyTorch CUDA eager when a CUDA-enabled torch imports, and print a summary.
# Needs no package registry (Debian 12, nvcc, cuDNN; PyTorch optional).
#
#   experiments/scripts/gpu_check.sh [BUILD_DIR]      (default: build-cuda)
#   experiments/scripts/gpu_check.sh --prebuilt ARCHIVE [OUT_DIR]
#       runs the programs of experiments/scripts/gpu_bundle.sh's archive instead of
#       building: for the lent GPU machine, which has CUDA, cuDNN and PyTorch
#       but none of our Debian packages (OUT_DIR default: $OUT or /tmp)
#   env: PYTHON (default python3), JOBS (default nproc), REPEATS (default 20)
set -uo pipefail
py=("${PYTHON:-python3}")  # how this script runs Python (see --prebuilt)
root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${JOBS:-$(nproc)}
python=${PYTHON:-python3}
repeats=${REPEATS:-20}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

# The directory holding the machine's libcudnn.so.9: the CUDA toolkit's, a
# system one, or that of the nvidia-cudnn Python wheel PyTorch brings.
find_cudnn() {
  local d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/lib/x86_64-linux-gnu; do
    [[ -e $d/libcudnn.so.9 ]] && { echo "$d"; return; }
  done
  "$python" - <<'PY' 2>/dev/null
import os
import nvidia.cudnn as m
for p in m.__path__:
    if os.path.exists(os.path.join(p, "lib", "libcudnn.so.9")):
        print(os.path.join(p, "lib"))
        break
PY
}

echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true

if [[ ${1:-} == --prebuilt ]]; then
  archive=${2:?usage: gpu_check.sh --prebuilt ARCHIVE [OUT_DIR]}
  out=${3:-${OUT:-/tmp}}/gpu_check
  mkdir -p "$out"
  bundle=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-gpu.XXXXXX")
  echo "== prebuilt programs ($archive)"
  xz -dc "$archive" | tar -C "$bundle" -xf - || { echo "cannot unpack $archive"; exit 1; }
  # The programs read their data (tests/data, experiments/) under the
  # checkout they were built in: point that path at this tree.
  src=$(cat "$bundle/source_root")
  if [[ ! -e $src ]]; then
    mkdir -p "$(dirname "$src")" && ln -s "$root" "$src"
  elif [[ $(cd "$src" && pwd -P) != $(cd "$root" && pwd -P) ]]; then
    echo "!! $src exists and is not this tree: the programs read their data from there"
  fi
  cudnn=$(find_cudnn)
  [[ -n $cudnn ]] || echo "!! no libcudnn.so.9 found: the CUDA engine will not load"
  echo "   built from commit $(cat "$bundle/commit"); cuDNN from ${cudnn:-nowhere}"
  # Python (PyTorch, the benchmark's reference) keeps the machine's libraries.
  if [[ -n ${LD_LIBRARY_PATH:-} ]]; then
    py=(env "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" "$python")
  else
    py=(env -u LD_LIBRARY_PATH "$python")
  fi
  export LD_LIBRARY_PATH=$bundle/lib${cudnn:+:$cudnn}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  tests=$bundle/bin/ismooth_network_tests
  bench=$bundle/bin/bench_network_cuda
  ismooth=$bundle/bin/ismooth
else
  build=${1:-$root/build-cuda}
  out=$build/gpu_check
  mkdir -p "$out"
  echo "== configure + build ($build)"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DISMOOTH_CUDA=ON \
    >"$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; exit 1; }
  grep "ismooth: CUDA" "$out/configure.log"
  cmake --build "$build" -j"$jobs" --target ismooth_network_tests bench_network_cuda ismooth \
    >"$out/build.log" 2>&1 || { grep -E "error|Error" -A5 "$out/build.log" | head -60; exit 1; }
  tests=$build/tests/ismooth_network_tests
  bench=$build/experiments/bench_network_cuda
  ismooth=$build/experiments/ismooth
fi

echo "== GPU tests"
"$tests" -tc='*cuda*,*GPU*' -s 2>&1 | tee "$out/tests.log" | grep -E "MESSAGE|ERROR|FAILED|test cases|assertions|Status" | sed 's/^/  /'
test_status=${PIPESTATUS[0]}
if grep -q "skipped: the CUDA engine cannot run here" "$out/tests.log"; then
  echo "!! the GPU tests were SKIPPED: $(grep -m1 -o 'cannot run here: .*' "$out/tests.log")"
fi

echo "== GPU benchmark (median of $repeats after warm-up, CUDA events)"
torch_flag=(--python "${py[*]}")
if ! "${py[@]}" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "   ($python has no CUDA-enabled torch: no PyTorch reference)"
  torch_flag=(--no-torch)
fi
"$bench" --repeats "$repeats" "${torch_flag[@]}" \
  --json "$out/bench.json" | tee "$out/bench.md"
bench_status=${PIPESTATUS[0]}

echo "== command line on the GPU (smooth, experiment --device cuda)"
cli_status=0
photo=$root/tests/data/astronaut_128.png
if "$ismooth" smooth "$photo" "$out/astronaut_cuda.png" --device cuda >"$out/cli.log" 2>&1 &&
  "$ismooth" smooth "$photo" "$out/astronaut_cpu.png" --device cpu >>"$out/cli.log" 2>&1; then
  # Same shipped model on both engines: 8-bit outputs within a grey level or two.
  "${py[@]}" - "$out/astronaut_cuda.png" "$out/astronaut_cpu.png" <<'PY' | tee -a "$out/cli.log" || cli_status=1
import sys
import numpy as np
from PIL import Image
a, b = (np.asarray(Image.open(p), dtype=np.int16) for p in sys.argv[1:3])
d = np.abs(a - b)
print(f"   smooth --device cuda vs cpu: max |diff| {d.max()} grey levels, mean {d.mean():.4f}")
sys.exit(0 if d.max() <= 2 else 1)
PY
else
  cli_status=1
  tail -5 "$out/cli.log"
fi
bash "$root/tests/cli/test_experiment.sh" "$ismooth" device 2>&1 | tee -a "$out/cli.log" | sed 's/^/   /'
[[ ${PIPESTATUS[0]} -eq 0 ]] || cli_status=1

echo "== summary"
echo "command line: exit $cli_status (log in $out/cli.log)"
echo "tests:     $(grep -E 'test cases' "$out/tests.log" | tail -1) (exit $test_status)"
echo "benchmark: exit $bench_status, table in $out/bench.md, JSON in $out/bench.json"
if [[ -f $out/bench.json ]]; then
  "${py[@]}" - "$out/bench.json" <<'PY' 2>/dev/null || true
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
def get(kind, size, impl):
    for r in rows:
        if r["kind"] == kind and r["size"] == size and r["impl"] == impl:
            return r["median_ms"]
best = min((get("inference", "1280x720", f"ours-{p}") or 1e9) for p in ("bf16", "fp16"))
print(f"target 720p inference <= 3 ms reduced precision: {best:.3f} ms -> {'met' if best <= 3 else 'NOT met'}")
for p in ("fp32", "tf32"):
    ours, theirs = get("train_fwd_bwd", "224x224", f"ours-{p}"), get("train_fwd_bwd", "224x224", f"torch-eager-{p}")
    if ours and theirs:
        print(f"target training step >= 1.5x PyTorch eager ({p}): {theirs / ours:.2f}x -> {'met' if theirs / ours >= 1.5 else 'NOT met'}")
PY
fi
exit $(( test_status != 0 || cli_status != 0 || (bench_status != 0 && bench_status != 77) ))
