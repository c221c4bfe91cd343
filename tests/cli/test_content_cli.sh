#!/usr/bin/env bash
# Command-line tests of the content-aware commands (docs/applications.md):
# `ismooth saliency` and `ismooth train --preset background|foreground
# --masks DIR|auto`, one case per CTest test:
#
#   test_content_cli.sh ISMOOTH CASE
#
# Scenes are drawn with /usr/bin/python3 + PIL (a warm ellipse over a grey
# striped background: the true mask is known); without PIL the case is
# skipped (exit 77). Error cases require exit status exactly 1, a first
# stderr line "ismooth: error:", and no output file.
set -uo pipefail

tool=${1:?usage: test_content_cli.sh ISMOOTH CASE}
case_name=${2:?usage: test_content_cli.sh ISMOOTH CASE}
photo=/usr/lib/python3/dist-packages/skimage/data/astronaut.png
py=/usr/bin/python3

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tool=$(realpath "$tool") && [[ -x $tool ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-content-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export OMP_NUM_THREADS=1

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
note() { echo "[$case_name] $*"; }
source "$here/common.sh"

have_pil=0
if [[ -x $py ]] && $py -c 'import PIL.Image' 2>/dev/null; then have_pil=1; fi
((have_pil)) || { echo "SKIP: needs /usr/bin/python3 with PIL"; exit 77; }

# scene OUT MASK W H SEED: an ellipse (the subject, MASK = 255 on it) over a
# striped grey background.
scene() {
  $py - "$@" <<'PYEOF' || fail "cannot draw a scene"
import math, sys
from PIL import Image
out, mask, w, h, seed = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
im, m = Image.new("RGB", (w, h)), Image.new("L", (w, h))
cx, cy = w * (0.45 + 0.02 * (seed % 5)), h * (0.5 - 0.02 * (seed % 3))
rx, ry = 0.25 * w, 0.22 * h
for y in range(h):
    for x in range(w):
        inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
        if inside:
            t = 8 * math.sin(2 * math.pi * (x + y) / 4)
            im.putpixel((x, y), (int(215 + t), int(90 + t), int(50 + t)))
        else:
            t = 28 * math.sin(2 * math.pi * (x * math.cos(seed) + y * math.sin(seed)) / (7 + seed % 4))
            g = 110 + 20 * y / h
            im.putpixel((x, y), (int(g + t), int(g + 8 + t), int(g - 5 + t)))
        m.putpixel((x, y), 255 if inside else 0)
im.save(out)
m.save(mask)
PYEOF
}

# iou A B: intersection over union of two 0/255 PNG masks.
iou() {
  $py - "$1" "$2" <<'PYEOF'
import sys
from PIL import Image
a, b = (list(Image.open(p).convert("L").getdata()) for p in sys.argv[1:3])
both = sum(1 for u, v in zip(a, b) if u > 127 and v > 127)
either = sum(1 for u, v in zip(a, b) if u > 127 or v > 127)
print(f"{both / either:.4f}")
PYEOF
}

expect_error() { expect_ismooth_error "$@"; }

case $case_name in
  saliency)
    scene in.png truth.png 120 90 1
    "$tool" saliency in.png --out F.png --soft S.png >stdout.txt 2>stderr.txt ||
      fail "saliency failed: $(cat stderr.txt)"
    cat stdout.txt
    grep -q '^salient:' stdout.txt || fail "stdout does not report the mask: $(cat stdout.txt)"
    [[ $(png_size F.png) == "120 90" && $(png_size S.png) == "120 90" ]] || fail "wrong output size"
    $py -c "
from PIL import Image
v = set(Image.open('F.png').convert('L').getdata())
assert v <= {0, 255}, sorted(v)[:5]" || fail "F.png is not a 0/255 mask"
    score=$(iou F.png truth.png)
    note "IoU with the true subject: $score"
    $py -c "import sys; sys.exit(0 if $score >= 0.9 else 1)" || fail "IoU $score < 0.9"
    # A lower threshold marks more pixels; the run is deterministic.
    "$tool" saliency in.png --out F2.png --threshold 0.5 >/dev/null 2>&1 || fail "second run failed"
    cmp -s F.png F2.png || fail "two runs differ"
    "$tool" saliency in.png --out F1.png --threshold 0.1 >/dev/null 2>&1 || fail "threshold 0.1 failed"
    [[ $($py -c "
from PIL import Image
print(int(sum(Image.open('F1.png').convert('L').getdata()) > sum(Image.open('F.png').convert('L').getdata())))") == 1 ]] ||
      fail "--threshold 0.1 did not grow the mask"
    no_leftovers .
    ;;

  error_saliency)
    scene in.png truth.png 40 30 0
    expect_error "--threshold 2" -- saliency in.png --out F.png --threshold 2
    expect_error "--threshold nan" -- saliency in.png --out F.png --threshold nan
    expect_error "--out JPEG" -- saliency in.png --out F.jpg
    expect_error "--out = INPUT" -- saliency in.png --out in.png
    expect_error "missing input" -- saliency nope.png --out F.png
    printf 'not an image' >bad.png
    expect_error "text as PNG" -- saliency bad.png --out F.png
    expect_error "--out in a missing folder" -- saliency in.png --out no/such/F.png
    $py -c "from PIL import Image; Image.new('RGB', (2, 2)).save('tiny.png')"
    expect_error "2x2 image" -- saliency tiny.png --out F.png --soft S.png
    [[ ! -e F.png && ! -e F.jpg && ! -e S.png ]] || fail "an error left an output behind"
    ;;

  train_masks)
    mkdir -p photos masks val
    for i in 0 1 2; do scene photos/s$i.png masks/s$i.png 48 40 $i; done
    scene val/v0.png masks/v0.png 40 40 3
    common=(--epochs 1 --steps-per-epoch 4 --crop 32 --width 4 --dilations 1,2 --threads 1)
    "$tool" train --data photos --val val --out bg.isn --preset background --masks masks \
      "${common[@]}" -q >stdout.txt 2>stderr.txt || fail "--masks DIR failed: $(cat stderr.txt)"
    [[ -s bg.isn ]] || fail "no model written"
    [[ ! -e bg.isn.masks ]] || fail "--masks DIR made a cache of detected masks"
    # auto (the default): masks detected once, cached beside the run, then reused.
    "$tool" train --data photos --out fg.isn --preset foreground "${common[@]}" \
      >stdout.txt 2>stderr.txt || fail "--masks auto failed: $(cat stderr.txt)"
    grep 'foreground masks' stderr.txt
    grep -q 'foreground masks: 3 detected, 0 from the cache' stderr.txt || fail "not detected once"
    for i in 0 1 2; do
      [[ $(png_size fg.isn.masks/train/s$i.png) == "48 40" ]] || fail "no cached mask for s$i"
    done
    score=$(iou fg.isn.masks/train/s0.png masks/s0.png)
    note "cached mask IoU with the true subject: $score"
    $py -c "import sys; sys.exit(0 if $score >= 0.9 else 1)" || fail "IoU $score < 0.9"
    rm fg.isn fg.isn.ckpt
    "$tool" train --data photos --out fg.isn --preset foreground --masks auto "${common[@]}" \
      >stdout.txt 2>stderr.txt || fail "second --masks auto run failed: $(cat stderr.txt)"
    grep -q 'foreground masks: 0 detected, 3 from the cache' stderr.txt ||
      fail "the cache was not used: $(grep 'foreground masks' stderr.txt)"
    ;;

  error_train_masks)
    mkdir -p photos masks
    for i in 0 1; do scene photos/s$i.png masks/s$i.png 40 32 $i; done
    common=(--epochs 1 --steps-per-epoch 1 --crop 24 --width 4 --dilations 1 --threads 1 -q)
    rm masks/s1.png
    expect_error "missing mask" -- train --data photos --out m.isn --preset background --masks masks "${common[@]}"
    grep -q "no mask for photo 's1.png'" stderr.txt || fail "the message does not name the photo"
    $py -c "from PIL import Image; Image.new('L', (41, 32)).save('masks/s1.png')"
    expect_error "wrong-size mask" -- train --data photos --out m.isn --preset background --masks masks "${common[@]}"
    grep -q "is 41x32 but photo 's1.png' is 40x32" stderr.txt || fail "the message does not give both sizes"
    expect_error "--masks not a folder" -- train --data photos --out m.isn --preset foreground --masks nowhere "${common[@]}"
    expect_error "--masks with a preset that takes none" -- train --data photos --out m.isn --preset texture --masks masks "${common[@]}"
    expect_error "unknown preset" -- train --data photos --out m.isn --preset backgrund "${common[@]}"
    [[ ! -e m.isn && ! -e m.isn.ckpt && ! -e m.isn.masks ]] || fail "an error left an output behind"
    ;;

  content_models)
    # The three models of issue 17 ship: listed by `ismooth models` with
    # their cards, run by name, each its own network.
    "$tool" models >stdout.txt 2>stderr.txt || fail "models failed: $(cat stderr.txt)"
    for name in texture background foreground; do
      grep -q "^$name" stdout.txt || fail "ismooth models does not list $name: $(cat stdout.txt)"
      grep -q "docs/models/$name.md" stdout.txt || fail "the card of $name is not named"
    done
    scene in.png truth.png 40 30 0
    "$tool" smooth in.png smoothing.png || fail "smooth failed"
    for name in texture background foreground; do
      "$tool" smooth in.png "$name.png" --model "$name" 2>stderr.txt ||
        fail "--model $name: $(cat stderr.txt)"
      ! cmp -s "$name.png" smoothing.png || fail "--model $name gave the smoothing model's output"
      ! cmp -s "$name.png" in.png || fail "--model $name changed nothing"
    done
    ;;

  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$case_name]"
