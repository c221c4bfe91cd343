#!/usr/bin/env bash
# Command-line tests of `ismooth train` and `ismooth smooth`, one case per
# CTest test:
#
#   test_train_cli.sh ISMOOTH CASE
#
# Fixtures are small crops of scikit-image's sample photos (chelsea, coffee,
# rocket, motorcycle), cut with /usr/bin/python3 + PIL into a fresh temporary
# directory; without PIL, synthetic PPMs written by perl (named .png: the tool
# reads by content). Every run uses one thread, so runs are reproducible.
#
# Error cases require exit status exactly 1, a first stderr line starting
# with "ismooth: error:", and no output file.
set -uo pipefail

tool=${1:?usage: test_train_cli.sh ISMOOTH CASE}
case_name=${2:?usage: test_train_cli.sh ISMOOTH CASE}
photos=/usr/lib/python3/dist-packages/skimage/data
py=/usr/bin/python3

tool=$(realpath "$tool") && [[ -x $tool ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-train-cli.XXXXXX")
child=
cleanup() {
  [[ -n $child ]] && kill "$child" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
export OMP_NUM_THREADS=1

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
note() { echo "[$case_name] $*"; }
# expect_ismooth_error (the error cases' rule above); this script's own
# make_image below replaces common.sh's.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

have_pil=0
if [[ -x $py ]] && $py -c 'import PIL.Image' 2>/dev/null && [[ -f $photos/chelsea.png ]]; then
  have_pil=1
fi

# make_image OUT PHOTO Y0 X0 H W: an H x W crop of a sample photo (or a
# synthetic picture seeded by the arguments; common.sh).
make_image() {
  local out=$1 name=$2
  shift 2
  photo="$photos/$name" make_photo_crop "$out" "$@"
}

# image_size FILE: "W H" of a PNG (IHDR) or binary PPM.
image_size() {
  if [[ $(head -c 2 "$1") == P6 ]]; then
    head -n 2 "$1" | tail -n 1
  else
    local hex
    hex=$(od -An -tx1 -j16 -N8 "$1" | tr -d ' \n')
    echo "$((16#${hex:0:8})) $((16#${hex:8:8}))"
  fi
}

make_fixtures() {
  mkdir -p train/sub val
  make_image train/cat.png chelsea.png 40 120 72 96
  make_image train/sub/coffee.png coffee.png 80 200 64 80
  make_image train/rocket.png rocket.jpg 100 150 64 64
  make_image val/moto.png motorcycle_left.png 180 300 48 48
}

expect_error() { expect_ismooth_error "$@"; }

# A tiny network, short epochs: every case finishes in seconds.
TINY=(--width 4 --dilations 1,2 --crop 32 --val-crop 32 --threads 1 --seed 5)

case $case_name in
  train_and_smooth)
    make_fixtures
    "$tool" train --data train --val val --out m.isn "${TINY[@]}" --epochs 2 --steps-per-epoch 3 \
      --log log.csv --progress 0 >stdout.txt 2>stderr.txt || fail "train failed: $(cat stderr.txt)"
    cat stderr.txt stdout.txt
    [[ -s m.isn ]] || fail "no model written"
    [[ -s m.isn.ckpt ]] || fail "no checkpoint written"
    grep -q 'train: 3 images' stderr.txt || fail "the data summary is missing"
    grep -q 'validation after epoch 2' stderr.txt || fail "no validation line for epoch 2"
    grep -q 'img/s' stderr.txt || fail "no throughput in the progress lines"
    grep -q 'ETA' stderr.txt || fail "no ETA in the progress lines"
    grep -q '^cnn: 6 iterations' stdout.txt || fail "unexpected summary: $(cat stdout.txt)"
    [[ $(wc -l <log.csv) -eq 8 ]] || fail "log.csv should have a header and 7 rows: $(cat log.csv)"
    head -n 1 log.csv | grep -q '^iteration,energy,data,flatten,edge,' || fail "bad CSV header"
    # Validation in rows 0, 3 and 6 (the last column group), nowhere else.
    val_rows=$(awk -F, 'NR > 1 && $16 != "" {print $1}' log.csv | tr '\n' ' ')
    [[ $val_rows == "0 3 6 " ]] || fail "validation energies in rows '$val_rows', expected 0 3 6"
    # Smooth images of other sizes (odd included) with the model.
    make_image in.png chelsea.png 10 20 37 53
    "$tool" smooth in.png out.png --model m.isn --time 2>stderr.txt || fail "smooth: $(cat stderr.txt)"
    [[ $(image_size out.png) == "53 37" ]] || fail "out.png is $(image_size out.png), expected 53 37"
    "$tool" smooth in.png raw.png --model m.isn --no-postprocess || fail "smooth --no-postprocess"
    [[ $(image_size raw.png) == "53 37" ]] || fail "raw.png has the wrong size"
    [[ -z $(find . -maxdepth 1 -name '*.ismooth-tmp-*') ]] || fail "temporary files left behind"
    ;;

  train_interrupt_resume)
    # SIGTERM during training: the step finishes, the checkpoint is written,
    # the exit status is 128 + 15, no model; the same command with --resume
    # continues and ends with the weights of an uninterrupted run.
    make_fixtures
    args=(--data train --val val "${TINY[@]}" --epochs 2 --steps-per-epoch 150 --progress 0)
    "$tool" train "${args[@]}" --out straight.isn >/dev/null 2>straight.txt ||
      fail "uninterrupted run failed: $(cat straight.txt)"
    "$tool" train "${args[@]}" --out m.isn >stdout.txt 2>stderr.txt &
    child=$!
    for _ in $(seq 1 300); do
      grep -q '^epoch .* step [1-9]' stderr.txt 2>/dev/null && break
      sleep 0.1
    done
    grep -q '^epoch .* step [1-9]' stderr.txt || fail "no progress after 30 s: $(cat stderr.txt)"
    kill -TERM "$child"
    wait "$child"
    rc=$?
    child=
    tail -n 3 stderr.txt
    ((rc == 143)) || fail "expected exit status 143 after SIGTERM, got $rc: $(tail -n 5 stderr.txt)"
    grep -q 'terminated (SIGTERM)' stderr.txt || fail "no message about the signal"
    grep -q -- '--resume' stderr.txt || fail "the message does not say how to resume"
    [[ -s m.isn.ckpt ]] || fail "no checkpoint after SIGTERM"
    [[ ! -e m.isn ]] || fail "an interrupted run wrote the model"
    "$tool" train "${args[@]}" --out m.isn --resume >stdout.txt 2>stderr.txt ||
      fail "resume failed: $(cat stderr.txt)"
    grep -q 'resumed from' stderr.txt || fail "no 'resumed from' line: $(head stderr.txt)"
    grep -q '^cnn: 300 iterations' stdout.txt || fail "unexpected summary: $(cat stdout.txt)"
    cmp -s m.isn straight.isn || fail "interrupted + resumed model differs from the straight run"
    note "resumed model is byte-identical to the uninterrupted one"
    ;;

  train_precision)
    # --precision bf16: mixed-precision training; the log and progress lines
    # split each step's time; the checkpoint records the precision, so a
    # resume in fp32 is refused naming it.
    if ! grep -qw avx512_bf16 /proc/cpuinfo; then
      note "this CPU has no avx512_bf16: skipped"
      exit 77
    fi
    make_fixtures
    args=(--data train "${TINY[@]}" --width 8 --epochs 1 --steps-per-epoch 3 --progress 0)
    "$tool" train "${args[@]}" --precision bf16 --out m.isn --log log.csv >stdout.txt 2>stderr.txt ||
      fail "bf16 training failed: $(cat stderr.txt)"
    grep -q '^cnn: 3 iterations' stdout.txt || fail "unexpected summary: $(cat stdout.txt)"
    grep -q 'step: network .* s, energy .* s, update .* s; crop, B, guidance .* on a helper thread' \
      stderr.txt || fail "no time split in the progress lines: $(cat stderr.txt)"
    head -n 1 log.csv | grep -q 'network_seconds,energy_seconds,update_seconds,prepare_seconds,wait_seconds' ||
      fail "no time split in the CSV header: $(head -n 1 log.csv)"
    "$tool" train "${args[@]}" --epochs 2 --out m.isn --resume >stdout.txt 2>stderr.txt
    (($? != 0)) || fail "a resume in fp32 of a bf16 run was accepted"
    grep -q 'precision: checkpoint bf16, now (absent)' stderr.txt ||
      fail "the refusal does not name the precision: $(cat stderr.txt)"
    "$tool" train "${args[@]}" --epochs 2 --precision bf16 --out m.isn --resume >stdout.txt 2>stderr.txt ||
      fail "bf16 resume failed: $(cat stderr.txt)"
    grep -q '^cnn: 6 iterations' stdout.txt || fail "unexpected summary: $(cat stdout.txt)"
    ;;

  train_stop_after)
    # --stop-after 0 (a session's time budget used up) stops after the first
    # record with the model of the current weights and a checkpoint; --resume
    # then ends with the weights of an uninterrupted run.
    make_fixtures
    args=(--data train "${TINY[@]}" --epochs 2 --steps-per-epoch 3 --progress 0)
    "$tool" train "${args[@]}" --out straight.isn >/dev/null 2>straight.txt ||
      fail "uninterrupted run failed: $(cat straight.txt)"
    "$tool" train "${args[@]}" --out m.isn --stop-after 0 >stdout.txt 2>stderr.txt ||
      fail "--stop-after 0 failed: $(cat stderr.txt)"
    grep -q 'stopped by --stop-after' stdout.txt || fail "no stop message: $(cat stdout.txt)"
    [[ -s m.isn && -s m.isn.ckpt ]] || fail "--stop-after wrote no model or no checkpoint"
    cmp -s m.isn straight.isn && fail "the stopped model equals the finished one"
    "$tool" smooth "$(ls train/* | head -n 1)" out.png --model m.isn || fail "stopped model unusable"
    "$tool" train "${args[@]}" --out m.isn --resume >stdout.txt 2>stderr.txt ||
      fail "resume failed: $(cat stderr.txt)"
    cmp -s m.isn straight.isn || fail "stopped + resumed model differs from the straight run"
    expect_error "train, negative --stop-after" -- train --data train --out x.isn --stop-after -1
    note "stop-after + resume gives the uninterrupted model"
    ;;

  train_init_from)
    # --init-from starts from a model's weights (a warm start on another
    # energy): stopped before its first update, the run's model smooths
    # exactly like the model it started from; another network is refused.
    make_fixtures
    args=(--data train "${TINY[@]}" --epochs 1 --steps-per-epoch 3 --progress 0)
    "$tool" train "${args[@]}" --energy l08 --random-output-layer --out a.isn >/dev/null 2>&1 ||
      fail "first run failed"
    "$tool" train "${args[@]}" --init-from a.isn --out b.isn --stop-after 0 >stdout.txt \
      2>stderr.txt || fail "--init-from failed: $(cat stderr.txt)"
    photo=$(ls train/* | head -n 1)
    "$tool" smooth "$photo" a.png --model a.isn --no-postprocess || fail "smooth with a.isn"
    "$tool" smooth "$photo" b.png --model b.isn --no-postprocess || fail "smooth with b.isn"
    cmp -s a.png b.png || fail "the warm-started model does not start at the given weights"
    "$tool" train "${args[@]}" --out c.isn >/dev/null 2>&1 || fail "cold run failed"
    "$tool" smooth "$photo" c.png --model c.isn --no-postprocess || fail "smooth with c.isn"
    cmp -s a.png c.png && fail "fixture cannot tell warm from cold starts"
    expect_error "train, --init-from another network" -- train --data train --out x.isn \
      --init-from a.isn --width 5 --dilations 1,2 --epochs 1
    grep -q 'its network is' stderr.txt || fail "mismatch not explained: $(cat stderr.txt)"
    [[ ! -e x.isn ]] || fail "a refused run wrote a model"
    ;;

  overfit)
    make_image in.png chelsea.png 60 150 40 48
    "$tool" train --overfit in.png --width 4 --dilations 1 --iterations 5 --threads 1 \
      --log o.csv --output-image t.png --out o.isn >stdout.txt 2>stderr.txt ||
      fail "overfit failed: $(cat stderr.txt)"
    cat stdout.txt
    grep -q '^cnn-overfit: 5 iterations' stdout.txt || fail "unexpected summary"
    grep -q 'E(T = I) = ' stdout.txt || fail "no identity energy"
    [[ $(wc -l <o.csv) -eq 7 ]] || fail "o.csv should have a header and 6 rows"
    [[ $(image_size t.png) == "48 40" ]] || fail "t.png has the wrong size"
    [[ -s o.isn ]] || fail "--out with --overfit wrote no model"
    ;;

  error_smooth)
    make_image in.png chelsea.png 10 20 32 32
    ISMOOTH_MODEL=missing.isn expect_error "smooth, ISMOOTH_MODEL missing" -- smooth in.png out.png
    grep -q 'ISMOOTH_MODEL' stderr.txt || fail "the message does not name ISMOOTH_MODEL"
    expect_error "smooth, missing model" -- smooth in.png out.png --model missing.isn
    echo "not a model" >bad.isn
    expect_error "smooth, corrupt model" -- smooth in.png out.png --model bad.isn
    "$tool" train --overfit in.png --width 4 --dilations 1 --iterations 1 --out good.isn \
      >/dev/null 2>&1 || fail "cannot make a model"
    head -c 200 good.isn >cut.isn
    expect_error "smooth, truncated model" -- smooth in.png out.png --model cut.isn
    expect_error "smooth, bad output extension" -- smooth in.png out.gif --model good.isn
    expect_error "smooth, missing input" -- smooth nothing.png out.png --model good.isn
    [[ ! -e out.png && ! -e out.gif ]] || fail "an output was written on error"
    ;;

  error_train)
    make_fixtures
    expect_error "train, missing data folder" -- train --data nowhere --out m.isn
    expect_error "train, no --out" -- train --data train
    expect_error "train, --resume without checkpoint" -- train --data train --out m.isn --resume
    grep -q 'no checkpoint' stderr.txt || fail "the message does not say 'no checkpoint'"
    expect_error "train, missing --masks folder" -- train --data train --out m.isn --preset background --masks nowhere
    expect_error "train, --masks without a mask preset" -- train --data train --out m.isn --masks auto
    expect_error "train, unknown preset" -- train --data train --out m.isn --preset nope
    expect_error "train, unknown --gradient" -- train --data train --out m.isn --gradient soft
    expect_error "train, out folder missing" -- train --data train --out no/such/dir/m.isn
    [[ ! -e m.isn ]] || fail "a model was written on error"
    ;;

  *)
    fail "unknown case '$case_name'"
    ;;
esac
note "ok"
