# Helpers shared by the CLI test scripts. The caller defines py (Debian's
# /usr/bin/python3), photo (a sample photograph), have_pil (0/1), tool (the
# ismooth executable), note and fail.
# shellcheck shell=bash

# make_photo_crop OUT Y0 X0 H W: an H x W crop of $photo, or (without PIL)
# a synthetic PNG seeded by the arguments (ismooth reads only PNG and JPEG);
# make_image is the same.
make_photo_crop() {
  local out=$1 y0=$2 x0=$3 h=$4 w=$5
  if ((have_pil)); then
    $py - "$photo" "$out" "$y0" "$x0" "$h" "$w" <<'EOF' || fail "cannot crop the photo"
import sys
from PIL import Image
src, out, y0, x0, h, w = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
Image.open(src).convert("RGB").crop((x0, y0, x0 + w, y0 + h)).save(out, format="PNG")
EOF
  else
    command -v perl >/dev/null || { echo "SKIP: neither PIL nor perl to make fixtures"; exit 77; }
    perl -MCompress::Zlib -e '
      my ($h, $w, $seed) = @ARGV; srand($seed);
      my $d = "";
      for my $y (0 .. $h - 1) { $d .= "\0"; for my $x (0 .. $w - 1) {
        my $in = ($y > $h / 4 && $y < 3 * $h / 4 && $x > $w / 4 && $x < 3 * $w / 4);
        for my $c (0 .. 2) {
          my $v = $in ? 200 - 40 * $c : 30 + int(150 * $x / $w) + 20 * $c;
          $v += int(rand(9)) - 4; $v = 0 if $v < 0; $v = 255 if $v > 255;
          $d .= chr($v);
        } } }
      sub chunk { my ($t, $b) = @_; pack("N", length $b) . $t . $b . pack("N", crc32($t . $b)) }
      binmode STDOUT;
      print "\x89PNG\r\n\x1a\n", chunk("IHDR", pack("NNC5", $w, $h, 8, 2, 0, 0, 0)),
        chunk("IDAT", compress($d)), chunk("IEND", "");' "$h" "$w" "$y0$x0" >"$out" ||
      fail "cannot write a PNG"
  fi
}

make_image() { make_photo_crop "$@"; }

# png_size FILE: "W H" from a PNG's IHDR.
png_size() {
  local hex
  hex=$(od -An -tx1 -j16 -N8 "$1" | tr -d ' \n')
  [[ ${#hex} -eq 16 ]] || return 1
  echo "$((16#${hex:0:8})) $((16#${hex:8:8}))"
}

# small_model OUT: a width-4 model from one over-fitting step (needs tool);
# the image it fits to is removed, so no folder gains an input.
small_model() {
  make_image fit.png 100 100 24 24
  "$tool" train --overfit fit.png --width 4 --dilations 1,2 --iterations 1 --threads 1 \
    --out "$1" >/dev/null 2>&1 || fail "cannot make a model"
  rm -f fit.png
}

no_leftovers() {
  local left
  left=$(find "$1" -maxdepth 1 -name '*.ismooth-tmp-*' | head -5)
  [[ -z $left ]] || fail "temporary files left behind: $left"
}

# expect_ismooth_error WHAT -- ARGS...: `ismooth ARGS` must fail cleanly:
# exit status exactly 1 and a first stderr line "ismooth: error: ...".
# (stdout.txt and stderr.txt are left for further checks.)
expect_ismooth_error() {
  local what=$1
  shift 2
  "$tool" "$@" >stdout.txt 2>stderr.txt
  local rc=$?
  note "$what: exit $rc; stderr: $(head -n 2 stderr.txt)"
  ((rc == 1)) || fail "$what: expected exit status 1, got $rc (command: ismooth $*)"
  [[ $(head -n 1 stderr.txt) == "ismooth: error:"* ]] ||
    fail "$what: stderr does not start with 'ismooth: error:': $(cat stderr.txt)"
}
