#!/usr/bin/env bash
# Command-line tests of the applications (docs/applications.md): `ismooth
# models`, `--model NAME`, `ismooth detail` and `ismooth stylize` on the
# README's sample photo (scikit-image's astronaut; a synthetic PNG where
# PIL or the photo is missing), and their bad input: a clear error, exit 1,
# no output file. One case per CTest test:
#
#   test_apps_cli.sh ISMOOTH CASE
set -uo pipefail

tool=${1:?usage: test_apps_cli.sh ISMOOTH CASE}
case_name=${2:?usage: test_apps_cli.sh ISMOOTH CASE}
photo=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
py=/usr/bin/python3

tool=$(realpath "$tool") && [[ -x $tool ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-apps-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export OMP_NUM_THREADS=2
unset ISMOOTH_MODEL

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
note() { echo "[$case_name] $*"; }

have_pil=0
if [[ -x $py ]] && $py -c 'import PIL.Image, numpy' 2>/dev/null && [[ -f $photo ]]; then have_pil=1; fi
source "$here/common.sh"

# The sample photo (512x512), or a synthetic 96x128 picture without PIL.
if ((have_pil)); then cp "$photo" sample.png; else make_image sample.png 0 0 96 128; fi
size=$(png_size sample.png)

# max_diff A B: the largest |A - B| over pixels and channels (needs PIL).
max_diff() {
  $py - "$1" "$2" <<'PY'
import sys, numpy as np
from PIL import Image
a, b = (np.asarray(Image.open(f).convert("RGB"), dtype=np.int32) for f in sys.argv[1:3])
print(int(np.abs(a - b).max()))
PY
}

expect_error() {
  local out=$1
  shift
  expect_ismooth_error "$@"
  [[ ! -e $out ]] || fail "$2: an output was written on error"
  no_leftovers .
}

case $case_name in
  models)
    "$tool" models >models.txt || fail "ismooth models failed"
    cat models.txt
    grep -q '^smoothing (default)' models.txt || fail "smoothing is not listed as the default"
    grep -q 'docs/model-card.md' models.txt || fail "the model card is not named"
    grep -q 'default.model ([0-9]* bytes)' models.txt || fail "the file and size are not shown"
    grep -q '^detail' models.txt || fail "detail is not listed"
    # --model smoothing is the default model, byte for byte.
    "$tool" smooth sample.png default.png || fail "smooth failed"
    "$tool" smooth sample.png named.png --model smoothing || fail "smooth --model smoothing failed"
    cmp -s default.png named.png || fail "--model smoothing differs from the default model"
    expect_error x.png "unknown model name" -- smooth sample.png x.png --model nosuch
    grep -q 'smoothing, smoothing-w64, smoothing-adaptive, detail' stderr.txt || fail "the known names are not listed"
    # Shipped models run by name, each its own network.
    grep -q 'detail.model ([0-9]* bytes)' models.txt || fail "the detail model's file is not shown"
    "$tool" smooth sample.png detail.png --model detail || fail "smooth --model detail failed"
    ! cmp -s default.png detail.png || fail "--model detail gave the smoothing model's output"
    # A registered name whose model is not trained yet is refused, saying so
    # (while the registry has one: every name may ship one day).
    unshipped=$(awk '/^[a-z]/ {name = $1} /file: +not shipped yet/ {print name; exit}' models.txt)
    if [[ -n $unshipped ]]; then
      expect_error x.png "$unshipped not shipped" -- smooth sample.png x.png --model "$unshipped"
      grep -q 'not shipped yet' stderr.txt || fail "no 'not shipped yet' message"
    else
      note "every registered model is shipped: the 'not shipped yet' path has no subject"
    fi
    ;;

  detail)
    # The default base is the shipped detail model.
    "$tool" detail sample.png sig.png 2>stderr.txt || fail "detail failed: $(cat stderr.txt)"
    ! grep -q 'not shipped yet' stderr.txt || fail "the detail model is shipped, yet a fallback was announced"
    "$tool" detail sample.png named.png --model detail || fail "detail --model detail failed"
    cmp -s sig.png named.png || fail "the default base is not the detail model"
    [[ $(png_size sig.png) == "$size" ]] || fail "sig.png is $(png_size sig.png), expected $size"
    "$tool" smooth sample.png base.png || fail "smooth failed"
    "$tool" detail sample.png k0.png --method linear --factor 0 --model smoothing || fail "K=0 failed"
    cmp -s base.png k0.png || fail "linear K = 0 is not the smoothing"
    "$tool" detail sample.png k1.png --method linear --factor 1 || fail "K=1 failed"
    if ((have_pil)); then
      d=$(max_diff k1.png sample.png)
      note "linear K = 1 vs the input: max difference $d"
      ((d <= 1)) || fail "linear K = 1 differs from the input by $d > 1"
      d=$(max_diff sig.png sample.png)
      ((d > 10)) || fail "the sigmoid boost changed almost nothing (max difference $d)"
    fi
    "$tool" detail sample.png wls.png --smoother wls --method linear --factor 2.5 || fail "WLS base failed"
    ;;

  stylize)
    for s in abstraction pencil pencil-colour; do
      "$tool" stylize sample.png "$s.png" --style "$s" || fail "--style $s failed"
      [[ $(png_size "$s.png") == "$size" ]] || fail "$s.png has the wrong size"
    done
    "$tool" stylize sample.png wls.png --style abstraction --smoother wls --levels 6 || fail "WLS failed"
    "$tool" stylize sample.png t1.png --style pencil --texture --seed 5 || fail "texture failed"
    "$tool" stylize sample.png t2.png --style pencil --texture --seed 5 || fail "texture failed"
    "$tool" stylize sample.png t3.png --style pencil --texture --seed 6 || fail "texture failed"
    cmp -s t1.png t2.png || fail "the same seed gave different drawings"
    ! cmp -s t1.png t3.png || fail "another seed gave the same drawing"
    if ((have_pil)); then
      $py - <<'PY' || fail "pencil is not grey, or pencil-colour is"
import numpy as np
from PIL import Image
p = np.asarray(Image.open("pencil.png").convert("RGB"), dtype=np.int32)
c = np.asarray(Image.open("pencil-colour.png").convert("RGB"), dtype=np.int32)
assert (p[..., 0] == p[..., 1]).all() and (p[..., 1] == p[..., 2]).all()
assert np.abs(c[..., 0] - c[..., 2]).max() > 50
PY
    fi
    ;;

  error_apps)
    expect_error x.png "unknown style" -- stylize sample.png x.png --style watercolour
    grep -q 'abstraction, pencil or pencil-colour' stderr.txt || fail "the styles are not listed"
    expect_error x.png "K not finite" -- detail sample.png x.png --factor nan
    expect_error x.png "K infinite" -- detail sample.png x.png --method linear --factor inf
    expect_error x.png "K negative" -- detail sample.png x.png --factor -1
    expect_error x.png "unknown method" -- detail sample.png x.png --method cubic
    expect_error x.png "missing model file" -- detail sample.png x.png --model missing.model
    grep -q 'missing.model' stderr.txt || fail "the missing model is not named"
    expect_error x.png "unknown model name" -- detail sample.png x.png --model nosuch
    expect_error x.png "missing model (stylize)" -- stylize sample.png x.png --style pencil --model nope.model
    expect_error x.png "unknown smoother" -- stylize sample.png x.png --style pencil --smoother bilateral
    expect_error x.png "--model with wls" -- stylize sample.png x.png --style pencil --smoother wls --model smoothing
    expect_error x.png "bad levels" -- stylize sample.png x.png --style abstraction --levels 1
    expect_error x.png "missing input" -- stylize nothing.png x.png --style pencil
    expect_error sample.png.bak "output = input" -- detail sample.png sample.png
    expect_error x.tiff "bad extension" -- stylize sample.png x.tiff --style pencil
    ;;

  train_detail)
    # The detail model's training command (docs/applications.md) runs: a
    # tiny network, stopped after its first step by --stop-after 0, writes
    # a model that `smooth` and `detail --model FILE` run.
    mkdir data || exit 1
    make_image data/a.png 0 0 72 80
    make_image data/b.png 100 200 64 96
    "$tool" train --data data --out d.model --preset detail --width 4 --blocks 2 --crop 48 \
      --epochs 1 --steps-per-epoch 4 --stop-after 0 --threads 1 --seed 1 --log d.csv \
      >train.txt 2>&1 || fail "train --preset detail failed: $(tail -5 train.txt)"
    grep -q 'preset detail' train.txt || fail "the run does not report the detail preset"
    [[ -s d.model && -s d.model.ckpt && -s d.csv ]] || fail "model, checkpoint or log missing"
    "$tool" detail sample.png out.png --model d.model || fail "detail --model FILE failed"
    [[ $(png_size out.png) == "$size" ]] || fail "out.png has the wrong size"
    ;;

  *)
    fail "unknown case $case_name"
    ;;
esac
note "ok"
