#!/usr/bin/env bash
# Command-line integration tests of the ismooth tool, one case per CTest test.
#
#   test_cli.sh ISMOOTH CASE
#
# Fixtures are small crops of a real photograph (skimage's astronaut.png),
# cut at test time with /usr/bin/python3 + PIL into a fresh temporary
# directory. Without PIL (or without the photo) a synthetic PPM is written
# with perl instead and the checks that need PIL to decode PNGs are skipped;
# cases that cannot run at all exit 77 (CTest SKIP_RETURN_CODE).
#
# Error cases require: exit status exactly 1 (not a crash, not >= 128), a
# first stderr line starting with "ismooth: error:", and nothing on stdout
# that looks like a result.
set -uo pipefail

tool=${1:?usage: test_cli.sh ISMOOTH CASE}
case_name=${2:?usage: test_cli.sh ISMOOTH CASE}
photo=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
py=/usr/bin/python3

tool=$(realpath "$tool") && [[ -x $tool ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
note() { echo "[$case_name] $*"; }

# make_image, png_size, no_leftovers (need py, photo, have_pil, fail).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

have_pil=0
if [[ -x $py ]] && $py -c 'import PIL.Image' 2>/dev/null && [[ -f $photo ]]; then have_pil=1; fi



# check_mask_png FILE W H: a PNG of size W x H whose pixels are all 0 or 255.
check_mask_png() {
  local file=$1 w=$2 h=$3
  [[ -s $file ]] || fail "$file was not written"
  [[ $(head -c 8 "$file" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
    fail "$file is not a PNG"
  local size
  size=$(png_size "$file") || fail "cannot read the PNG header of $file"
  [[ $size == "$w $h" ]] || fail "$file is $size, expected $w $h"
  if ((have_pil)); then
    $py - "$file" "$w" "$h" <<'EOF' || fail "$file is not a 0/255 mask"
import sys
from PIL import Image
im = Image.open(sys.argv[1])
w, h = int(sys.argv[2]), int(sys.argv[3])
assert im.size == (w, h), im.size
values = set(im.convert("L").getdata()) if im.mode != "L" else set(im.getdata())
assert values <= {0, 255}, sorted(values)[:10]
print(f"  {sys.argv[1]}: {im.mode} {w}x{h}, values {sorted(values)}, "
      f"{sum(1 for v in im.getdata() if v == 255)} set")
EOF
  else
    note "PIL missing: checked PNG size only, not the 0/255 values"
  fi
}


# expect_error WHAT -- ARGS...: the tool must fail cleanly.
expect_error() {
  local what=$1
  expect_ismooth_error "$@"
  if grep -q '"total"' stdout.txt; then fail "$what: printed a result: $(cat stdout.txt)"; fi
  no_leftovers .
}

json_check() {  # json_check FILE PYTHON-EXPRESSION-ON-d
  if [[ -x $py ]]; then
    $py - "$1" "$2" <<'EOF' || fail "JSON check '$2' failed on: $(cat "$1")"
import json, math, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
ok = eval(sys.argv[2], {"math": math, "d": d})
if not ok:
    sys.exit(f"{sys.argv[2]} is false for {d}")
EOF
  else
    note "no /usr/bin/python3: JSON checked with grep only"
    grep -q '"data"' "$1" || fail "no data key in $(cat "$1")"
  fi
}

H=40 W=56  # every fixture photo is 40 x 56 unless a case needs another size

case $case_name in
  edges)
    make_image in.png 180 190 $H $W
    "$tool" edges in.png --out B.png --response E.png >stdout.txt 2>stderr.txt ||
      fail "edges failed: $(cat stderr.txt)"
    cat stdout.txt
    grep -q 'B.png' stdout.txt || fail "stdout does not name the output: $(cat stdout.txt)"
    check_mask_png B.png $W $H
    [[ -s E.png ]] || fail "--response E.png was not written"
    [[ $(png_size E.png) == "$W $H" ]] || fail "E.png has the wrong size: $(png_size E.png)"
    # Overwriting an existing map works and stays atomic.
    "$tool" edges in.png -o B.png >/dev/null 2>stderr.txt || fail "rewrite failed: $(cat stderr.txt)"
    check_mask_png B.png $W $H
    no_leftovers .
    ;;

  edges_texture)
    make_image in.png 300 120 $H $W
    "$tool" edges in.png --texture --out T.png >stdout.txt 2>stderr.txt ||
      fail "edges --texture failed: $(cat stderr.txt)"
    cat stdout.txt
    grep -q '^texture' stdout.txt || fail "stdout does not report a texture map: $(cat stdout.txt)"
    check_mask_png T.png $W $H
    no_leftovers .
    ;;

  energy_json)
    make_image in.png 180 190 $H $W
    "$tool" energy in.png in.png --json >out.json 2>stderr.txt || fail "energy failed: $(cat stderr.txt)"
    cat out.json
    json_check out.json 'all(k in d for k in ("data", "flatten", "edge", "total", "edge_pixels", "l2_fraction"))'
    json_check out.json 'd["data"] == 0 and d["edge"] == 0'
    json_check out.json 'd["flatten"] >= 0 and math.isclose(d["total"], d["data"] + d["lambda_f"] * d["flatten"] + d["lambda_e"] * d["edge"], rel_tol=1e-12)'
    json_check out.json 'isinstance(d["edge_pixels"], int) and 0 <= d["l2_fraction"] <= 1'
    # The plain (non-JSON) report of the same energy.
    "$tool" energy in.png in.png >out.txt 2>stderr.txt || fail "energy (text) failed: $(cat stderr.txt)"
    cat out.txt
    grep -Eq '^ +data +0$' out.txt || fail "text report: data is not 0"
    grep -Eq '^ +edge +0 ' out.txt || fail "text report: edge is not 0"
    # A different OUTPUT has a positive data term.
    make_image other.png 181 191 $H $W
    "$tool" energy in.png other.png --json >out2.json 2>stderr.txt || fail "energy failed: $(cat stderr.txt)"
    json_check out2.json 'd["data"] > 0 and d["total"] > 0'
    ;;

  # ------------------------------------------------------------ bad inputs
  error_missing_file)
    make_image in.png 180 190 $H $W
    expect_error "edges, missing INPUT" -- edges does-not-exist.png --out B.png
    [[ ! -e B.png ]] || fail "an output was written for a missing input"
    expect_error "energy, missing INPUT" -- energy does-not-exist.png in.png
    expect_error "energy, missing OUTPUT" -- energy in.png does-not-exist.png
    expect_error "energy, INPUT is a directory" -- energy . in.png
    ;;

  error_empty_file)
    make_image in.png 180 190 $H $W
    : >empty.png
    expect_error "edges, empty file" -- edges empty.png --out B.png
    expect_error "energy, empty OUTPUT" -- energy in.png empty.png
    [[ ! -e B.png ]] || fail "an output was written for an empty input"
    ;;

  error_text_as_png)
    make_image in.png 180 190 $H $W
    printf 'This is not an image.\nJust text in a file called .png\n' >text.png
    expect_error "edges, text file named .png" -- edges text.png --out B.png
    expect_error "energy, text file as INPUT" -- energy text.png in.png
    ;;

  error_truncated_png)
    ((have_pil)) || { echo "SKIP: needs PIL to make a real PNG to truncate"; exit 77; }
    make_image in.png 180 190 $H $W
    size=$(stat -c %s in.png)
    head -c $((size / 2)) in.png >half.png
    head -c 60 in.png >header_only.png
    expect_error "edges, PNG cut in half" -- edges half.png --out B.png
    expect_error "energy, PNG cut in half" -- energy in.png half.png
    expect_error "edges, PNG header only" -- edges header_only.png --out B.png
    [[ ! -e B.png ]] || fail "an output was written for a truncated input"
    ;;

  error_size_mismatch)
    make_image in.png 180 190 $H $W
    make_image wider.png 180 190 $H $((W + 1))
    make_image taller.png 180 190 $((H + 1)) $W
    expect_error "energy, OUTPUT wider than INPUT" -- energy in.png wider.png
    expect_error "energy, OUTPUT taller than INPUT" -- energy in.png taller.png
    ;;

  error_set_unknown_key)
    make_image in.png 180 190 $H $W
    expect_error "--set bogus=1" -- energy in.png in.png --set bogus=1
    expect_error "--set without =" -- energy in.png in.png --set alpha
    ;;

  error_set_bad_value)
    make_image in.png 180 190 $H $W
    expect_error "--set alpha=abc" -- energy in.png in.png --set alpha=abc
    expect_error "--set alpha=5x" -- energy in.png in.png --set alpha=5x
    expect_error "--set alpha=nan" -- energy in.png in.png --set alpha=nan
    expect_error "--set radius=2.5" -- energy in.png in.png --set radius=2.5
    expect_error "--set dilate=yes" -- energy in.png in.png --set dilate=yes
    ;;

  error_set_negative_radius)
    make_image in.png 180 190 $H $W
    expect_error "--set radius=-3" -- energy in.png in.png --set radius=-3
    expect_error "--set radius=0" -- energy in.png in.png --set radius=0
    expect_error "--set sigma_s=-1" -- energy in.png in.png --set sigma_s=-1
    ;;

  error_unknown_preset)
    make_image in.png 180 190 $H $W
    expect_error "--preset nope" -- energy in.png in.png --preset nope
    expect_error "--energy nope" -- energy in.png in.png --energy nope
    ;;

  error_background_without_mask)
    make_image in.png 180 190 $H $W
    expect_error "--preset background without --mask" -- energy in.png in.png --preset background
    expect_error "--preset foreground without --mask" -- energy in.png in.png --preset foreground
    ;;

  error_edges_wrong_size)
    make_image in.png 180 190 $H $W
    make_image small.png 180 190 $((H - 2)) $((W - 3))
    "$tool" edges small.png --out Bsmall.png >/dev/null 2>stderr.txt ||
      fail "edges on the small crop failed: $(cat stderr.txt)"
    expect_error "--edges of the wrong size" -- energy in.png in.png --edges Bsmall.png
    # The same check for a foreground mask.
    expect_error "--mask of the wrong size" -- energy in.png in.png --preset background --mask Bsmall.png
    ;;

  error_out_dir_missing)
    make_image in.png 180 190 $H $W
    expect_error "edges --out into a missing directory" -- edges in.png --out no/such/dir/B.png
    [[ ! -e no ]] || fail "something was created: $(find no)"
    expect_error "edges --response into a missing directory" -- edges in.png --out B.png --response no/E.png
    [[ ! -e no ]] || fail "something was created: $(find no)"
    expect_error "edges --out with an unsupported extension" -- edges in.png --out B.txt
    [[ ! -e B.txt ]] || fail "B.txt was written"
    expect_error "edges --out as JPEG (masks must be lossless)" -- edges in.png --out B.jpg
    [[ ! -e B.jpg ]] || fail "B.jpg was written"
    ;;

  *)
    fail "unknown case '$case_name'"
    ;;
esac
note "passed"
exit 0
