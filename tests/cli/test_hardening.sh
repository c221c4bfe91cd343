#!/usr/bin/env bash
# Regression tests of the command line's hardening (issue 13): no command
# overwrites one of its inputs, temporaries never become inputs and are
# removed on SIGTERM, every numeric flag is range-checked with messages that
# name the flag and the range, non-finite results write nothing and fail,
# and the smaller points (unreadable subfolders, --resume after SIGKILL,
# --checkpoint = --out, outputs validated before work). One case per CTest
# test:
#
#   test_hardening.sh ISMOOTH CASE
#
# Every refusal is checked for its exit status, its message, and that no
# file was created or changed (checksums of the inputs before and after).
set -uo pipefail

tool=${1:?usage: test_hardening.sh ISMOOTH CASE}
case_name=${2:?usage: test_hardening.sh ISMOOTH CASE}
photo=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
py=/usr/bin/python3

tool=$(realpath "$tool") && [[ -x $tool ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-hardening.XXXXXX")
child=
cleanup() {
  [[ -n $child ]] && kill -KILL "$child" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
export OMP_NUM_THREADS=1
unset ISMOOTH_MODEL

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
note() { echo "[$case_name] $*"; }

have_pil=0
if [[ -x $py ]] && $py -c 'import PIL.Image' 2>/dev/null && [[ -f $photo ]]; then have_pil=1; fi
# make_image, no_leftovers, expect_ismooth_error (need py, photo, have_pil, fail).
source "$here/common.sh"

# expect_refusal WHAT PATTERN -- ARGS...: exit 1, "ismooth: error:", and a
# message matching PATTERN (grep -E), with every file of the folder unchanged
# and none added.
expect_refusal() {
  local what=$1 pattern=$2
  shift 2
  find . -type f ! -name 'std*.txt' ! -name '.sums' -exec md5sum {} + | sort >.sums
  expect_ismooth_error "$what" "$@"
  grep -Eq -- "$pattern" stderr.txt || fail "$what: message does not match '$pattern': $(cat stderr.txt)"
  find . -type f ! -name 'std*.txt' ! -name '.sums' -exec md5sum {} + | sort | cmp -s - .sums ||
    fail "$what: files were created or changed: $(find . -type f -newer .sums)"
}

# as_nobody CMD...: runs CMD as an unprivileged user (root reads and writes
# any folder, so permission cases need one); returns 77 where impossible.
as_nobody() {
  if ((EUID != 0)); then
    "$@"
  elif command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
  else
    return 77
  fi
}

case $case_name in
  overwrite_single)
    # OUTPUT = INPUT (same name, ./name, a hard link, a symbolic link) is
    # refused before any work by every command that writes.
    small_model m.isn
    make_image x.png 30 40 24 32
    ln x.png hard.png
    ln -s x.png soft.png
    for out in x.png ./x.png hard.png soft.png; do
      expect_refusal "smooth x.png $out" "refusing to overwrite an input: OUTPUT '$out' is the same file as INPUT 'x.png'" \
        -- smooth x.png "$out" --model m.isn
    done
    cp m.isn model.png  # a model file named like an image
    expect_refusal "smooth OUTPUT = --model" "OUTPUT 'model.png' is the same file as --model" \
      -- smooth x.png model.png --model model.png
    expect_refusal "solve x.png x.png" "OUTPUT 'x.png' is the same file as INPUT" \
      -- solve x.png x.png --solver adam --iterations 1
    expect_refusal "solve --trace INPUT" "--trace 'hard.png' is the same file as INPUT" \
      -- solve x.png out.png --solver adam --iterations 1 --trace hard.png
    expect_refusal "solve OUTPUT = --init" "same file as --init" \
      -- solve x.png t.png --solver adam --iterations 1 --init t.png
    expect_refusal "solve --trace = OUTPUT" "are the same file" \
      -- solve x.png out.png --solver adam --iterations 1 --trace out.png
    expect_refusal "edges --out INPUT" "--out 'x.png' is the same file as INPUT" -- edges x.png --out x.png
    expect_refusal "edges --response INPUT" "--response 'soft.png' is the same file as INPUT" \
      -- edges x.png --out b.png --response soft.png
    expect_refusal "edges --out = --response" "are the same file" -- edges x.png --out b.png --response b.png
    ;;

  overwrite_batch)
    # d/a.jpg's result would be d/a.png, an input: the whole batch is refused
    # up front, naming both; with another OUTPUT folder both are smoothed
    # (the clash between results gets -2, as documented).
    small_model m.isn
    mkdir d
    make_image d/a.png 30 40 24 32
    make_image d/a.jpg 60 40 24 32
    expect_refusal "smooth d d" "the result of 'd/a.jpg' would be written to 'd/a.png', which is the input 'd/a.png'" \
      -- smooth d d --model m.isn
    expect_refusal "smooth d/a.jpg d/a.png d" "which is the input 'd/a.png'" \
      -- smooth d/a.jpg d/a.png d --model m.isn
    expect_refusal "smooth d/a.png d" "which is the input" -- smooth d/a.png d/a.png d --model m.isn
    "$tool" smooth d out --model m.isn -q || fail "smooth d out failed"
    [[ -s out/a.png && -s out/a-2.png ]] || fail "expected out/a.png and out/a-2.png: $(ls out)"
    # Smoothing the results' folder into itself is refused too.
    expect_refusal "smooth out out" "refusing to overwrite an input" -- smooth out out --model m.isn
    ;;

  temporaries)
    # A temporary left by a killed run is never an input; a SIGTERM during a
    # write removes the temporary and leaves no output.
    small_model m.isn
    mkdir d
    make_image d/a.png 30 40 24 32
    cp d/a.png d/b.png.ismooth-tmp-123-0
    "$tool" smooth d out --model m.isn >stdout.txt 2>stderr.txt || fail "smooth d out: $(cat stderr.txt)"
    [[ $(ls out) == a.png ]] || fail "expected only out/a.png, got: $(ls out)"
    grep -q skipped stderr.txt && fail "the temporary was counted as a skipped file: $(cat stderr.txt)"
    if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
      echo "SKIP: no strace (or no ptrace) to hold a write open"
      exit 77
    fi
    # strace delays every write(2) by 3 s, so the temporary exists, written
    # but not renamed, when the signal comes.
    make_image x.png 30 40 24 32
    strace -f -o /dev/null -e trace=write -e inject=write:delay_exit=3000000 \
      "$tool" smooth x.png o.png --model m.isn >/dev/null 2>&1 &
    child=$!
    tmp=
    for _ in $(seq 1 200); do
      tmp=$(find . -maxdepth 1 -name 'o.png.ismooth-tmp-*' | head -n 1)
      [[ -n $tmp ]] && break
      sleep 0.05
    done
    [[ -n $tmp ]] || fail "no temporary appeared"
    pid=${tmp##*ismooth-tmp-}
    pid=${pid%-*}
    note "temporary $tmp of process $pid; sending SIGTERM"
    kill -TERM "$pid"
    wait "$child"
    rc=$?
    child=
    ((rc == 143)) || fail "expected exit status 143 (SIGTERM), got $rc"
    no_leftovers .
    [[ ! -e o.png ]] || fail "an interrupted write left o.png"
    ;;

  numeric_flags)
    # One parser: decimal only, ranges in the message, before any work.
    small_model m.isn
    make_image x.png 30 40 24 32
    mkdir d && cp x.png d/
    expect_refusal "--threads 100000" "--threads 100000: out of range; expected an integer from 0 to [0-9]+ \(0 = the default; at most 4 x the cores\)" \
      -- smooth x.png o.png --model m.isn --threads 100000
    expect_refusal "--threads 2^31-1" "--threads 2147483647: out of range" \
      -- smooth x.png o.png --model m.isn --threads 2147483647
    expect_refusal "--threads 0x4" "--threads 0x4: not an integer" -- smooth x.png o.png --model m.isn --threads 0x4
    expect_refusal "solve --threads 0" "--threads 0: out of range; expected an integer from 1 to" \
      -- solve x.png o.png --solver adam --threads 0
    expect_refusal "--blocks -1" "--blocks -1: out of range; expected an integer from 1 to 64" \
      -- train --data d --out m2.isn --blocks -1
    expect_refusal "--iterations ''" "--iterations '': not an integer \(decimal digits only\); expected an integer from 1 to" \
      -- solve x.png o.png --solver adam --iterations ''
    expect_refusal "--dilations 1,0x2" "--dilations 0x2: not an integer" \
      -- train --overfit x.png --dilations 1,0x2 --out m2.isn
    expect_refusal "--tile 1e3" "--tile 1e3: not an integer" -- smooth x.png o.png --model m.isn --tile 1e3
    expect_refusal "--max-memory -1" "--max-memory -1: out of range; expected a number from 0 up to" \
      -- smooth x.png o.png --model m.isn --max-memory -1
    expect_refusal "--lr 0" "--lr 0: out of range; expected a number above 0" -- train --data d --out m2.isn --lr 0
    expect_refusal "--lr inf" "--lr inf: not a number \\(decimal only\\)" -- train --data d --out m2.isn --lr inf
    expect_refusal "--seed -5" "--seed -5: out of range" -- train --data d --out m2.isn --seed -5
    expect_refusal "--epochs 99999999999999999999" "--epochs 99999999999999999999: out of range" \
      -- train --data d --out m2.isn --epochs 99999999999999999999
    expect_refusal "experiment --count -1" "--count -1: out of range; expected an integer from 0 to 1000000 \(0 = the default\)" \
      -- experiment fig6 --quick --count -1 --out exp
    expect_refusal "--set alpha=0x10" "--set alpha=0x10: '0x10' is not a number \\(decimal only, or inf\\)" \
      -- energy x.png x.png --set alpha=0x10
    expect_refusal "--set radius=0x3" "--set radius=0x3: '0x3' is not an integer" \
      -- energy x.png x.png --set radius=0x3
    expect_refusal "--set alpha=1e-400" "too small for a double" -- energy x.png x.png --set alpha=1e-400
    expect_refusal "--set alpha=1e400" "too large for a double" -- energy x.png x.png --set alpha=1e400
    expect_refusal "table1 --sizes 0x10" "--sizes 0: out of range; expected an integer from 1 to 65535" \
      -- experiment table1 --quick --sizes 0x10 --out exp
    # A denormal is a finite number: accepted, like any other.
    "$tool" energy x.png x.png --set alpha=1e-320 >stdout.txt 2>stderr.txt ||
      fail "--set alpha=1e-320 (a denormal) was refused: $(cat stderr.txt)"
    # The help shows each range.
    "$tool" train --help >help.txt || fail "train --help failed"
    grep -q -- '--blocks INT .*\[an integer from 1 to 64\]' help.txt || fail "train --help has no range for --blocks"
    ;;

  non_finite)
    # sigma_r = 1e-300 overflows the range kernel: an error, not "-nan" and 0;
    # nothing on stdout (so --json never prints invalid JSON), no file.
    make_image x.png 30 40 24 32
    for json in "" --json; do
      expect_refusal "energy sigma_r=1e-300 $json" "the energy is not finite" \
        -- energy x.png x.png --set sigma_r=1e-300 $json
      [[ ! -s stdout.txt ]] || fail "energy printed on stdout: $(cat stdout.txt)"
      grep -q -- '-nan' stderr.txt && fail "the message prints -nan: $(cat stderr.txt)"
    done
    expect_refusal "solve sigma_r=1e-300" "not written" \
      -- solve x.png o.png --solver adam --iterations 2 --set sigma_r=1e-300 --trace t.csv
    [[ ! -e o.png && ! -e t.csv ]] || fail "a failed solve wrote its output"
    expect_refusal "train --overfit sigma_r=1e-300" "the energy of the image itself is nan, not finite" \
      -- train --overfit x.png --width 4 --dilations 1 --iterations 2 --set sigma_r=1e-300 \
      --output-image t.png --out m.isn --log l.csv
    [[ ! -e t.png && ! -e m.isn ]] || fail "a failed over-fit wrote its outputs"
    # A good --json is valid JSON (numbers through summary_io's writer).
    "$tool" energy x.png x.png --json >out.json || fail "energy --json failed"
    if [[ -x $py ]]; then
      $py -c 'import json,sys; json.load(open(sys.argv[1]))' out.json || fail "invalid JSON: $(cat out.json)"
    fi
    ;;

  train_outputs)
    make_image x.png 30 40 32 32
    mkdir d && make_image d/a.png 60 40 40 40 && make_image d/b.png 90 90 40 40
    expect_refusal "--checkpoint = --out" "--checkpoint 'm.isn' and --out 'm.isn' are the same file" \
      -- train --data d --out m.isn --checkpoint m.isn
    expect_refusal "--checkpoint in a missing folder" "cannot write --checkpoint 'no/c.ckpt': folder 'no' does not exist" \
      -- train --data d --out m.isn --checkpoint no/c.ckpt
    expect_refusal "--log = --out" "are the same file" -- train --data d --out m.isn --log m.isn
    expect_refusal "--out = --init-from" "refusing to overwrite an input" -- train --data d --out x.png --init-from x.png
    expect_refusal "--overfit --resume" "--overfit trains on one image" -- train --overfit x.png --resume
    expect_refusal "--overfit --output-image = --overfit" "--output-image 'x.png' is the same file as --overfit" \
      -- train --overfit x.png --output-image x.png
    # --overfit interrupted: the message does not suggest --resume.
    "$tool" train --overfit x.png --width 4 --dilations 1 --iterations 100000 --threads 1 --progress 0 \
      >stdout.txt 2>stderr.txt &
    child=$!
    for _ in $(seq 1 300); do grep -q '^iteration [1-9]' stderr.txt 2>/dev/null && break; sleep 0.1; done
    kill -INT "$child"
    wait "$child"
    rc=$?
    child=
    ((rc == 130)) || fail "--overfit after SIGINT: expected exit status 130, got $rc"
    grep -q 'cannot be resumed' stderr.txt || fail "no 'cannot be resumed' note: $(tail -n 3 stderr.txt)"
    grep -q 'with --resume' stderr.txt && fail "--overfit suggests --resume: $(tail -n 3 stderr.txt)"
    # SIGKILL after a checkpoint, then --resume: the log ends with one row per
    # iteration, none repeated.
    args=(--data d --out k.isn --width 4 --dilations 1,2 --crop 32 --val-crop 32 --threads 1
      --seed 5 --epochs 2 --steps-per-epoch 150 --progress 0 --log log.csv)
    "$tool" train "${args[@]}" >/dev/null 2>stderr.txt &
    child=$!
    for _ in $(seq 1 600); do
      (($(wc -l <log.csv 2>/dev/null || echo 0) > 165)) && break
      sleep 0.05
    done
    kill -KILL "$child"
    wait "$child" 2>/dev/null
    child=
    [[ -s k.isn.ckpt ]] || fail "no checkpoint before the SIGKILL (log: $(wc -l <log.csv) lines)"
    note "killed with $(($(wc -l <log.csv) - 1)) rows logged"
    "$tool" train "${args[@]}" --resume >/dev/null 2>stderr.txt || fail "resume failed: $(cat stderr.txt)"
    rows=$(tail -n +2 log.csv | cut -d, -f1)
    [[ $(echo "$rows" | wc -l) -eq 301 ]] || fail "expected 301 rows, got $(echo "$rows" | wc -l)"
    [[ -z $(echo "$rows" | sort -n | uniq -d) ]] || fail "repeated rows: $(echo "$rows" | sort -n | uniq -d | head -3)"
    [[ $(head -n 1 log.csv | cut -d, -f1) == iteration ]] || fail "the header was lost"
    ;;

  outputs_before_work)
    # Output paths and extensions are validated before any work, so nothing
    # is half-written and no time is spent.
    small_model m.isn
    make_image x.png 30 40 24 32
    expect_refusal "edges --response E.tiff" "cannot write 'E.tiff': unsupported extension" \
      -- edges x.png --out B.png --response E.tiff
    expect_refusal "edges --out B.jpg" "cannot write 'B.jpg': unsupported extension" -- edges x.png --out B.jpg
    expect_refusal "edges --response in a missing folder" "cannot write --response 'no/E.png': folder 'no' does not exist" \
      -- edges x.png --out B.png --response no/E.png
    mkdir photos && cp x.png photos/
    expect_refusal "experiment --out inside --images" "--out photos/exp is inside the photo folder photos" \
      -- experiment fig6 --images photos --train-images photos --out photos/exp
    expect_refusal "smooth into a missing folder" "cannot write OUTPUT 'no/o.png': folder 'no' does not exist" \
      -- smooth x.png no/o.png --model m.isn
    # Unwritable folders (needs an unprivileged user: root writes anywhere).
    mkdir ro && chmod 555 ro
    chmod 755 . && chmod 644 x.png m.isn
    as_nobody "$tool" smooth x.png ro/o.png --model m.isn >stdout.txt 2>stderr.txt
    rc=$?
    if ((rc == 77)); then
      note "SKIP the unwritable-folder part: no unprivileged user"
    else
      ((rc == 1)) || fail "smooth into a read-only folder: expected exit 1, got $rc: $(cat stderr.txt)"
      grep -q "folder 'ro' is not writable" stderr.txt || fail "message: $(cat stderr.txt)"
      [[ -z $(ls ro) ]] || fail "something was written into ro/"
    fi
    ;;

  unreadable_subfolder)
    # --recursive: a subfolder that cannot be read is reported and counted as
    # failed; the rest of the batch is smoothed.
    small_model m.isn
    mkdir -p d/ok d/locked
    make_image d/ok/a.png 30 40 24 32
    make_image d/top.png 60 40 24 32
    make_image d/locked/hidden.png 60 80 24 32
    chmod 000 d/locked
    chmod 755 . d d/ok && chmod 644 m.isn d/ok/a.png d/top.png
    mkdir out && chmod 777 out
    as_nobody "$tool" smooth d out --recursive --model m.isn >stdout.txt 2>stderr.txt
    rc=$?
    chmod 755 d/locked
    ((rc == 77)) && { echo "SKIP: no unprivileged user to be refused a folder"; exit 77; }
    cat stderr.txt
    ((rc == 1)) || fail "expected exit 1 (one failure), got $rc"
    grep -q "d/locked: cannot read the folder" stderr.txt || fail "the unreadable folder is not reported"
    grep -q "2 smoothed, 1 failed" stderr.txt || fail "unexpected summary: $(tail -n 3 stderr.txt)"
    [[ -s out/ok/a.png && -s out/top.png ]] || fail "the readable images were not smoothed"
    ;;

  *)
    fail "unknown case '$case_name'"
    ;;
esac
note "ok"
