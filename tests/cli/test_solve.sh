#!/usr/bin/env bash
# Command-line tests of `ismooth solve`, one case per CTest test.
#
#   test_solve.sh ISMOOTH CASE
#
# Fixtures are 40 x 56 crops of a real photograph (skimage's astronaut.png)
# cut with /usr/bin/python3 + PIL, as in test_cli.sh; without PIL a synthetic
# PPM is written with perl, and the JSON/CSV checks that need Python are done
# with grep. Cases that cannot run at all exit 77 (CTest SKIP_RETURN_CODE).
#
# Contracts checked here: the flags, the JSON keys ("solver", "iterations",
# "initial_energy", "final_energy", "termination", "seconds", "records"), the
# CSV header, one trace row per iteration plus the start, an output of the
# input's size, and errors as exit status 1 with "ismooth: error:" and no
# file left behind.
set -uo pipefail

tool=${1:?usage: test_solve.sh ISMOOTH CASE}
case_name=${2:?usage: test_solve.sh ISMOOTH CASE}
photo=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
py=/usr/bin/python3

tool=$(realpath "$tool") && [[ -x $tool ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-solve.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
note() { echo "[$case_name] $*"; }

# make_image, png_size, no_leftovers (need py, photo, have_pil, fail).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

have_py=0 have_pil=0
if [[ -x $py ]]; then have_py=1; fi
if ((have_py)) && $py -c 'import PIL.Image' 2>/dev/null && [[ -f $photo ]]; then have_pil=1; fi




# json_check FILE EXPR: EXPR (Python, on the parsed object d) must hold; the
# whole file must be one JSON object (so stdout held nothing else).
json_check() {
  if ((have_py)); then
    $py - "$1" "$2" <<'EOF' || fail "JSON check '$2' failed on: $(head -c 600 "$1")"
import json, math, sys
d = json.loads(open(sys.argv[1]).read())
if not eval(sys.argv[2], {"math": math, "d": d}):
    sys.exit(f"{sys.argv[2]} is false")
EOF
  else
    grep -q '"final_energy"' "$1" || fail "no final_energy in $(cat "$1")"
  fi
}

# expect_error WHAT -- ARGS...: exit 1, "ismooth: error:" first, no output image.
expect_error() {
  local what=$1
  rm -f out.png out.jpg
  expect_ismooth_error "$@"
  grep -q 'final_energy' stdout.txt && fail "$what: printed a result: $(cat stdout.txt)"
  [[ ! -e out.png && ! -e out.jpg ]] || fail "$what: an output image was written"
  no_leftovers .
}

# solve_json SOLVER N [ARGS...]: run with --json --trace, check image, JSON, CSV.
solve_json() {
  local solver=$1 n=$2
  shift 2
  "$tool" solve in.png out.png --solver "$solver" --iterations "$n" --json --trace trace.csv "$@" \
    >out.json 2>stderr.txt || fail "solve --solver $solver failed: $(cat stderr.txt)"
  note "stderr: $(cat stderr.txt)"
  [[ -s out.png ]] || fail "out.png was not written"
  [[ $(png_size out.png) == "$W $H" ]] || fail "out.png is $(png_size out.png), expected $W $H"
  json_check out.json 'all(k in d for k in ("solver", "iterations", "initial_energy", "final_energy", "termination", "seconds", "records"))'
  json_check out.json "d['solver'] == '$solver' and d['final_energy'] < d['initial_energy']"
  json_check out.json "len(d['records']) == d['iterations'] + 1 and d['records'][0]['iteration'] == 0"
  json_check out.json "d['seconds'] > 0 and d['last_energy'] == d['records'][-1]['energy']"
  # final_energy is the returned iterate's (IRLS keeps its best), best_* the lowest record.
  json_check out.json "[r for r in d['records'] if r['iteration'] == d['returned_iteration']][0]['energy'] == d['final_energy']"
  json_check out.json "d['best_energy'] == min(r['energy'] for r in d['records']) and d['records'][d['best_iteration']]['energy'] == d['best_energy']"
  json_check out.json "all(b['seconds'] >= a['seconds'] for a, b in zip(d['records'], d['records'][1:]))"
  local header='iteration,energy,data,flatten,edge,l2_fraction,energy_change,gradient_norm,step_norm,seconds'
  [[ $(head -n 1 trace.csv) == "$header"* ]] || fail "trace header is $(head -n 1 trace.csv)"
  local rows iterations
  rows=$(($(wc -l <trace.csv) - 1))
  if ((have_py)); then
    iterations=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["iterations"])' out.json)
    ((rows == iterations + 1)) || fail "trace has $rows rows for $iterations iterations"
  fi
  note "$solver: $(head -c 300 out.json | tr '\n' ' ') ... trace rows $rows"
  no_leftovers .
}

H=40 W=56

case $case_name in
  solve_adam)
    make_image in.png 180 190 $H $W
    solve_json adam 30 --energy l08
    json_check out.json "d['iterations'] == 30 and d['termination'] == 'no_convergence'"
    json_check out.json "all('learning_rate' in r for r in d['records'])"
    # The written image is the final iterate: read back (rounded to 8 bits)
    # by `ismooth energy`, its energy is well below the start's.
    "$tool" energy in.png out.png --energy l08 --json >energy.json 2>stderr.txt ||
      fail "energy failed: $(cat stderr.txt)"
    if ((have_py)); then
      $py - <<'EOF' || fail "the written image does not have a lower energy"
import json
start = json.load(open("out.json"))["initial_energy"]
written = json.load(open("energy.json"))["total"]
print(f"  energy of I {start:.6g}, of the written T {written:.6g}")
assert written < 0.8 * start, (written, start)
EOF
    fi
    ;;

  solve_lbfgs)
    make_image in.png 180 190 $H $W
    solve_json lbfgs 20 --energy half --smoothing-epsilon 0.25
    json_check out.json "1 <= d['iterations'] <= 20"
    json_check out.json "all('line_search_evaluations' in r for r in d['records'])"
    json_check out.json "all(b['energy'] <= a['energy'] * (1 + 1e-9) for a, b in zip(d['records'], d['records'][1:]))"
    ;;

  solve_irls)
    make_image in.png 180 190 $H $W
    solve_json irls 3 --energy l2 --expansion-floor 0.01
    # All-L2 is quadratic: IRLS's first step is the exact minimiser.
    json_check out.json "abs(d['records'][1]['energy'] - d['final_energy']) <= 1e-6 * d['final_energy']"
    # The adaptive map (where IRLS may oscillate): the written image is the
    # best iterate, never above the input's energy.
    solve_json irls 6 --energy adaptive --set lambda_e=0
    json_check out.json "d['final_energy'] == d['best_energy'] and d['final_energy'] <= d['initial_energy']"
    json_check out.json "d['returned_iteration'] == d['best_iteration']"
    ;;

  solve_text)
    make_image in.png 180 190 $H $W
    "$tool" solve in.png out.png --solver adam >stdout.txt 2>stderr.txt ||
      fail "solve (default energy) failed: $(cat stderr.txt)"
    cat stdout.txt
    grep -q '^adam: 100 iterations' stdout.txt || fail "no brief report: $(cat stdout.txt)"
    grep -q '^wrote out.png (56x40)' stdout.txt || fail "no 'wrote' line: $(cat stdout.txt)"
    # Same for the trace without --json, and --verbose progress on stderr.
    "$tool" solve in.png out.jpg --solver lbfgs --energy l08 --iterations 5 -v --trace t.csv \
      >stdout.txt 2>stderr.txt || fail "solve -v failed: $(cat stderr.txt)"
    grep -q 'iter    5' stderr.txt || fail "--verbose printed no progress: $(cat stderr.txt)"
    [[ $(($(wc -l <t.csv) - 1)) -le 6 ]] || fail "trace too long"
    [[ -s out.jpg ]] || fail "out.jpg was not written"
    ;;

  solve_edges)
    make_image in.png 180 190 $H $W
    "$tool" edges in.png --out B.png >/dev/null 2>stderr.txt || fail "edges failed: $(cat stderr.txt)"
    solve_json adam 5 --energy half --edges B.png
    # A given B of zeros (no edges) changes the energy, so --edges is used.
    if ((have_pil)); then
      $py -c 'from PIL import Image; Image.new("L", (56, 40), 0).save("B0.png")'
      "$tool" solve in.png out0.png --solver adam --energy half --iterations 5 --json \
        --edges B0.png >zero.json 2>stderr.txt || fail "solve --edges B0.png failed: $(cat stderr.txt)"
      $py - <<'EOF' || fail "--edges B0.png did not change the energy"
import json
a = json.load(open("out.json"))["initial_energy"]
b = json.load(open("zero.json"))["initial_energy"]
print(f"  E(I) with the detected B {a:.9g}, with B = 0 {b:.9g}")
assert a != b
EOF
    fi
    make_image small.png 180 190 $((H - 2)) $W
    "$tool" edges small.png --out Bsmall.png >/dev/null 2>&1 || fail "edges on small failed"
    expect_error "--edges of the wrong size" -- solve in.png out.png --solver adam --edges Bsmall.png
    ;;

  error_solve_flags)
    make_image in.png 180 190 $H $W
    expect_error "no --solver" -- solve in.png out.png
    expect_error "--solver newton" -- solve in.png out.png --solver newton
    expect_error "--energy l1" -- solve in.png out.png --solver adam --energy l1
    expect_error "--preset nope" -- solve in.png out.png --solver adam --preset nope
    expect_error "--iterations 0" -- solve in.png out.png --solver adam --iterations 0
    expect_error "--iterations abc" -- solve in.png out.png --solver adam --iterations abc
    expect_error "--iterations 2.5" -- solve in.png out.png --solver lbfgs --iterations 2.5
    expect_error "--learning-rate -1" -- solve in.png out.png --solver adam --learning-rate -1
    expect_error "--learning-rate nan" -- solve in.png out.png --solver adam --learning-rate nan
    expect_error "--learning-rate with lbfgs" -- solve in.png out.png --solver lbfgs --learning-rate 1
    expect_error "--schedule linear" -- solve in.png out.png --solver adam --schedule linear
    expect_error "--epsilon with adam" -- solve in.png out.png --solver adam --epsilon 0.5
    expect_error "--epsilon -1" -- solve in.png out.png --solver lbfgs --epsilon -1
    expect_error "--smoothing-epsilon with irls" -- solve in.png out.png --solver irls --energy l2 --smoothing-epsilon 0.5
    expect_error "--expansion-floor with lbfgs" -- solve in.png out.png --solver lbfgs --expansion-floor 0.5
    expect_error "--expansion-floor 0" -- solve in.png out.png --solver irls --energy l2 --expansion-floor 0
    expect_error "--epsilon and --smoothing-epsilon" -- solve in.png out.png --solver lbfgs --epsilon 0.5 --smoothing-epsilon 0.5
    expect_error "--memory 0" -- solve in.png out.png --solver lbfgs --memory 0
    expect_error "--linear-solver lu" -- solve in.png out.png --solver irls --energy l2 --linear-solver lu
    expect_error "--set epsilon=1" -- solve in.png out.png --solver lbfgs --set epsilon=1
    expect_error "--set bogus=1" -- solve in.png out.png --solver adam --set bogus=1
    expect_error "--set radius=0" -- solve in.png out.png --solver adam --set radius=0
    expect_error "--threads 0" -- solve in.png out.png --solver adam --threads 0
    expect_error "--mask with the smoothing preset" -- solve in.png out.png --solver adam --mask in.png
    # IRLS cannot majorise the edge term (adaptive map keeps lambda_e = 0.1).
    expect_error "irls with the edge term" -- solve in.png out.png --solver irls
    grep -q 'lambda_e' stderr.txt || fail "the IRLS error does not name lambda_e: $(cat stderr.txt)"
    ;;

  solve_trace_plot)
    # A trace plotted by the script installed beside the Summary writer.
    ((have_py)) && $py -c 'import matplotlib' 2>/dev/null || { echo "no matplotlib: skipped"; exit 77; }
    script=$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../../experiments/scripts/plot_trace.py
    make_image in.png 180 190 $H $W
    "$tool" solve in.png out.png --solver lbfgs --iterations 5 --energy half --trace trace.csv >/dev/null ||
      fail "solve failed"
    $py "$script" plot.png trace.csv --terms --log 2>stderr.txt || fail "plot_trace.py failed: $(cat stderr.txt)"
    [[ $(head -c 4 plot.png | tail -c 3) == PNG ]] || fail "plot.png is not a PNG"
    printf 'a,b\n1,2\n' >bad.csv
    $py "$script" bad.png bad.csv 2>stderr.txt && fail "plot_trace.py accepted a CSV without energy"
    grep -q 'not a summary CSV' stderr.txt || fail "no clear message: $(cat stderr.txt)"
    [[ ! -e bad.png ]] || fail "bad.png was written"
    ;;

  error_solve_files)
    make_image in.png 180 190 $H $W
    make_image wide.png 180 190 $H $((W + 1))
    expect_error "missing INPUT" -- solve nothing.png out.png --solver adam
    expect_error "OUTPUT with an unknown extension" -- solve in.png out.tif --solver adam
    [[ ! -e out.tif ]] || fail "out.tif was written"
    expect_error "OUTPUT in a missing directory" -- solve in.png no/dir/out.png --solver adam
    [[ ! -e no ]] || fail "a directory was created"
    expect_error "--trace in a missing directory" -- solve in.png out.png --solver adam --trace no/t.csv
    expect_error "--init of another size" -- solve in.png out.png --solver adam --init wide.png
    printf 'not an image\n' >text.png
    expect_error "INPUT is text" -- solve text.png out.png --solver adam
    # A failed run leaves an existing OUTPUT untouched.
    cp in.png keep.png
    "$tool" solve in.png keep.png --solver adam --iterations 0 >/dev/null 2>&1 &&
      fail "--iterations 0 succeeded"
    cmp -s in.png keep.png || fail "a failed run changed the existing OUTPUT"
    no_leftovers .
    ;;

  *)
    fail "unknown case '$case_name'"
    ;;
esac
note "passed"
exit 0
