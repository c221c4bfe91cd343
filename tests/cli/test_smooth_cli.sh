#!/usr/bin/env bash
# Command-line tests of `ismooth smooth` beyond one file: the shipped default
# model, batches of files and folders, tiling, bad flags. One case per CTest
# test:
#
#   test_smooth_cli.sh ISMOOTH CASE
#
# Fixtures are small crops of scikit-image's astronaut (PIL under
# /usr/bin/python3), or synthetic PPMs named .png without PIL. Every run uses
# one thread. Models other than the shipped one are made with a one-iteration
# `ismooth train --overfit`, so no case depends on the shipped model's weights
# (it is a placeholder until the trained model lands): only on its being
# found, loaded and run.
set -uo pipefail

tool=${1:?usage: test_smooth_cli.sh ISMOOTH CASE}
case_name=${2:?usage: test_smooth_cli.sh ISMOOTH CASE}
photo=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
py=/usr/bin/python3

tool=$(realpath "$tool") && [[ -x $tool ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-smooth-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export OMP_NUM_THREADS=1
unset ISMOOTH_MODEL

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
note() { echo "[$case_name] $*"; }

have_pil=0
if [[ -x $py ]] && $py -c 'import PIL.Image' 2>/dev/null && [[ -f $photo ]]; then have_pil=1; fi
# make_image, png_size, no_leftovers (need py, photo, have_pil, fail).
source "$here/common.sh"

expect_error() { expect_ismooth_error "$@"; }

case $case_name in
  smooth_default_model)
    # No --model, run from a folder that is neither the source nor the build
    # tree: the shipped model is found (source-tree path compiled in).
    mkdir elsewhere && cd elsewhere || exit 1
    make_image in.png 30 40 37 45
    "$tool" smooth in.png out.png --time 2>stderr.txt || fail "smooth without --model: $(cat stderr.txt)"
    cat stderr.txt
    grep -q 'default.model' stderr.txt || fail "--time does not name the default model"
    [[ $(png_size out.png) == "45 37" ]] || fail "out.png is $(png_size out.png), expected 45 37"
    # ISMOOTH_MODEL overrides it...
    small_model ../mine.isn
    ISMOOTH_MODEL=$PWD/../mine.isn "$tool" smooth in.png env.png --time 2>stderr.txt ||
      fail "smooth with ISMOOTH_MODEL: $(cat stderr.txt)"
    grep -q 'mine.isn' stderr.txt || fail "ISMOOTH_MODEL was not used: $(cat stderr.txt)"
    grep -q 'width 4' stderr.txt || fail "ISMOOTH_MODEL's network is not the one run"
    # ... --model overrides both ...
    ISMOOTH_MODEL=/nowhere.isn "$tool" smooth in.png flag.png --model ../mine.isn ||
      fail "--model did not take precedence over ISMOOTH_MODEL"
    # ... and one that names nothing is an error, not a silent fallback.
    ISMOOTH_MODEL=/nowhere.isn expect_error "ISMOOTH_MODEL missing" -- smooth in.png x.png
    grep -q 'ISMOOTH_MODEL=/nowhere.isn' stderr.txt || fail "the message does not name ISMOOTH_MODEL"
    [[ ! -e x.png ]] || fail "an output was written on error"
    ;;

  smooth_batch_corrupt)
    # Files in a batch: the good ones are written, the bad ones reported, a
    # summary names them, exit status 1.
    small_model m.isn
    make_image a.png 10 10 31 29
    make_image b.png 60 60 24 40
    echo "this is not an image" >corrupt.png
    head -c 60 a.png >truncated.png
    "$tool" smooth a.png corrupt.png missing.png b.png truncated.png out --model m.isn \
      >stdout.txt 2>stderr.txt
    rc=$?
    cat stderr.txt
    ((rc == 1)) || fail "expected exit status 1 with failures, got $rc"
    [[ $(png_size out/a.png) == "29 31" ]] || fail "out/a.png missing or wrong size"
    [[ $(png_size out/b.png) == "40 24" ]] || fail "out/b.png missing or wrong size"
    [[ ! -e out/corrupt.png && ! -e out/missing.png && ! -e out/truncated.png ]] ||
      fail "an output was written for a bad input"
    grep -q '^\[1/5\] a.png -> out/a.png  [0-9.]* s' stderr.txt || fail "no progress line for a.png"
    grep -q '^\[2/5\] corrupt.png: error:' stderr.txt || fail "corrupt.png not reported in place"
    grep -q '^2 smoothed, 3 failed:' stderr.txt || fail "no summary line '2 smoothed, 3 failed:'"
    for f in corrupt.png missing.png truncated.png; do
      grep -q "^  $f: " stderr.txt || fail "the summary does not name $f"
    done
    no_leftovers out
    # --quiet: only the failures and the summary.
    rm -rf out
    "$tool" smooth a.png corrupt.png out --model m.isn --quiet 2>stderr.txt && fail "expected exit 1"
    ! grep -q '^\[1/2\] a.png ->' stderr.txt || fail "--quiet printed a progress line"
    grep -q '^1 smoothed, 1 failed:' stderr.txt || fail "--quiet hid the failure summary"
    "$tool" smooth a.png b.png out --model m.isn --quiet 2>stderr.txt || fail "quiet batch failed"
    [[ ! -s stderr.txt ]] || fail "--quiet without failures printed: $(cat stderr.txt)"
    ;;

  smooth_folder)
    small_model m.isn
    mkdir -p photos/sub
    make_image photos/a.png 10 10 20 22
    make_image photos/a.jpg.png 20 20 20 22  # stem "a.jpg" -> a.jpg.png: no clash
    make_image photos/sub/c.png 30 30 21 23
    make_image other_a.png 40 40 18 18
    mkdir other && mv other_a.png other/a.png  # same name as photos/a.png
    echo notes >photos/notes.txt
    # Folder input, not recursive: sub/ is not read; notes.txt is skipped.
    "$tool" smooth photos out --model m.isn 2>stderr.txt || fail "folder input: $(cat stderr.txt)"
    cat stderr.txt
    [[ -f out/a.png && -f out/a.jpg.png ]] || fail "folder outputs missing: $(ls out)"
    [[ ! -e out/sub ]] || fail "subfolder read without --recursive"
    grep -q 'skipped 1 file without an image extension' stderr.txt || fail "no note about notes.txt"
    grep -q '^2 smoothed, 0 failed' stderr.txt || fail "no summary"
    # Recursive, and a second folder whose a.png clashes: -2 suffix.
    rm -rf out
    "$tool" smooth photos other out --model m.isn --recursive 2>stderr.txt ||
      fail "recursive: $(cat stderr.txt)"
    cat stderr.txt
    [[ $(png_size out/sub/c.png) == "23 21" ]] || fail "out/sub/c.png missing (relative path kept)"
    [[ $(png_size out/a-2.png) == "18 18" ]] || fail "the clashing other/a.png is not out/a-2.png"
    [[ $(png_size out/a.png) == "22 20" ]] || fail "out/a.png is not photos/a.png's result"
    grep -q -- '-> out/a-2.png' stderr.txt || fail "the progress line does not show the renamed output"
    # One file into an existing folder: batch mode, out/<stem>.png.
    make_image single.jpg 0 0 16 16
    "$tool" smooth single.jpg out --model m.isn --quiet || fail "one file into a folder"
    [[ -f out/single.png ]] || fail "out/single.png missing"
    # A folder without images is an error.
    mkdir empty
    expect_error "empty folder" -- smooth empty out2 --model m.isn
    # The output must be a folder with several inputs.
    touch file.out
    expect_error "several inputs, OUTPUT a file" -- smooth photos/a.png other/a.png file.out --model m.isn
    no_leftovers out
    ;;

  smooth_tiled)
    # --tile and a tiny --max-memory give the untiled output (same 8-bit
    # pixels up to a rounding flip), on an odd size with many tiles.
    small_model m.isn
    make_image in.png 50 60 75 83
    "$tool" smooth in.png whole.png --model m.isn --time 2>stderr.txt || fail "whole: $(cat stderr.txt)"
    ! grep -q 'tiles of' stderr.txt || fail "a small image was tiled by default"
    "$tool" smooth in.png tiled.png --model m.isn --tile 10 --time 2>stderr.txt ||
      fail "--tile: $(cat stderr.txt)"
    cat stderr.txt
    grep -q 'tiles of' stderr.txt || fail "--time does not report the tiling"
    "$tool" smooth in.png budget.png --model m.isn --max-memory 0.05 --time 2>stderr.txt ||
      fail "--max-memory: $(cat stderr.txt)"
    grep -q 'tiles of' stderr.txt || fail "--max-memory 0.05 did not tile"
    if ((have_pil)); then
      $py - <<'EOF' || fail "tiled outputs differ from the whole-image one"
import numpy as np
from PIL import Image
w = np.asarray(Image.open("whole.png"), dtype=int)
for name in ("tiled.png", "budget.png"):
    d = np.abs(np.asarray(Image.open(name), dtype=int) - w)
    print(f"{name}: max |tiled - whole| = {d.max()} grey levels, {int((d > 0).sum())} values differ")
    assert d.max() <= 1 and (d > 0).mean() < 1e-3
EOF
    else
      cmp -s whole.png tiled.png || note "PNG bytes differ (no PIL to compare pixels)"
    fi
    ;;

  error_smooth_flags)
    small_model m.isn
    make_image in.png 0 0 16 16
    expect_error "--max-memory negative" -- smooth in.png o.png --model m.isn --max-memory -1
    expect_error "--tile negative" -- smooth in.png o.png --model m.isn --tile -3
    expect_error "--threads negative" -- smooth in.png o.png --model m.isn --threads -2
    expect_error "--device unknown" -- smooth in.png o.png --model m.isn --device tpu
    "$tool" smooth in.png --model m.isn >stdout.txt 2>stderr.txt
    rc=$?
    ((rc != 0)) || fail "one path only: expected a non-zero exit"
    note "one path only: exit $rc: $(head -n 1 stderr.txt)"
    "$tool" smooth in.png o.png --model m.isn --tile abc >stdout.txt 2>stderr.txt
    (($? != 0)) || fail "--tile abc: expected a non-zero exit"
    [[ ! -e o.png ]] || fail "an output was written on error"
    ;;

  smooth_precision)
    # --precision bf16 on the CPU: the kernels --time names are oneDNN's bf16
    # ones; a CPU without bf16 (here: oneDNN capped below AVX512-BF16) is a
    # clear error before any output, never a slow fallback.
    small_model m.isn
    make_image in.png 0 0 32 24
    ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI expect_error "bf16 without AVX512-BF16" -- \
      smooth in.png capped.png --model m.isn --precision bf16
    grep -q 'needs a CPU with AVX512-BF16' stderr.txt || fail "unclear message: $(cat stderr.txt)"
    [[ ! -e capped.png ]] || fail "an output was written on error"
    ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI expect_error "train bf16 without AVX512-BF16" -- \
      train --overfit in.png --iterations 1 --out t.isn --precision bf16
    expect_error "--precision fp16 on the CPU" -- smooth in.png o.png --model m.isn --precision fp16
    expect_error "--precision unknown" -- smooth in.png o.png --model m.isn --precision bf17
    if ! grep -qw avx512_bf16 /proc/cpuinfo; then
      note "this CPU has no avx512_bf16: the bf16 run is skipped"
    else
      "$tool" smooth in.png b16.png --model m.isn --precision bf16 --time 2>stderr.txt ||
        fail "smooth --precision bf16: $(cat stderr.txt)"
      cat stderr.txt
      grep -q 'bf16, nhwc' stderr.txt || fail "--time does not name the precision"
      grep -q 'kernels: .*avx512_core_bf16 (bf16)' stderr.txt || fail "--time names no bf16 kernel"
      [[ $(png_size b16.png) == "24 32" ]] || fail "b16.png is $(png_size b16.png)"
    fi
    ;;

  *)
    fail "unknown case '$case_name'"
    ;;
esac
note "ok"
