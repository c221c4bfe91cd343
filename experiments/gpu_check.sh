#!/usr/bin/env bash
# One command for a GPU machine: configure + build with CUDA (reusing the
# build folder), run every GPU test (they skip, not fail, without a device,
# so this also says loudly when nothing ran), then the GPU benchmark beside
# PyTorch CUDA eager when a CUDA-enabled torch imports, and print a summary.
# Needs no package registry (Debian 12, nvcc, cuDNN; PyTorch optional).
#
#   experiments/gpu_check.sh [BUILD_DIR]      (default: build-cuda)
#   env: PYTHON (default python3), JOBS (default nproc), REPEATS (default 20)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-cuda}
jobs=${JOBS:-$(nproc)}
python=${PYTHON:-python3}
repeats=${REPEATS:-20}
out=$build/gpu_check
mkdir -p "$out"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true

echo "== configure + build ($build)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DISMOOTH_CUDA=ON \
  >"$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; exit 1; }
grep "ismooth: CUDA" "$out/configure.log"
cmake --build "$build" -j"$jobs" --target ismooth_network_tests bench_network_cuda ismooth \
  >"$out/build.log" 2>&1 || { grep -E "error|Error" -A5 "$out/build.log" | head -60; exit 1; }

echo "== GPU tests"
tests=$build/tests/ismooth_network_tests
"$tests" -tc='*cuda*,*GPU*' -s 2>&1 | tee "$out/tests.log" | grep -E "MESSAGE|ERROR|FAILED|test cases|assertions|Status" | sed 's/^/  /'
test_status=${PIPESTATUS[0]}
if grep -q "skipped: the CUDA engine cannot run here" "$out/tests.log"; then
  echo "!! the GPU tests were SKIPPED: $(grep -m1 -o 'cannot run here: .*' "$out/tests.log")"
fi

echo "== GPU benchmark (median of $repeats after warm-up, CUDA events)"
torch_flag=(--python "$python")
if ! "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "   ($python has no CUDA-enabled torch: no PyTorch reference)"
  torch_flag=(--no-torch)
fi
"$build/experiments/bench_network_cuda" --repeats "$repeats" "${torch_flag[@]}" \
  --json "$out/bench.json" | tee "$out/bench.md"
bench_status=${PIPESTATUS[0]}

echo "== summary"
echo "tests:     $(grep -E 'test cases' "$out/tests.log" | tail -1) (exit $test_status)"
echo "benchmark: exit $bench_status, table in $out/bench.md, JSON in $out/bench.json"
if [[ -f $out/bench.json ]]; then
  "$python" - "$out/bench.json" <<'PY' 2>/dev/null || true
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
exit $(( test_status != 0 || (bench_status != 0 && bench_status != 77) ))
