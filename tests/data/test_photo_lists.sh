#!/usr/bin/env bash
# Checks the photo split lists experiments/data/photos-{train,val,test}.tsv
# without any network access or images: they parse, no photo (file name or
# sha256) is in two splits, no package is in both train and val/test, and the
# counts match the table in experiments/data/README.md.
# Usage: test_photo_lists.sh DATA_DIR   (DATA_DIR = experiments/data)
set -euo pipefail
export LC_ALL=C

fail() { echo "test_photo_lists: FAIL: $*" >&2; exit 1; }
[ $# -eq 1 ] || fail "usage: $0 DATA_DIR"
DIR=$1
README=$DIR/README.md
[ -r "$README" ] || fail "$README not found"
HEADER=$'package\tpath\tfile\tsha256\twidth\theight\tlicence\tversion'
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for s in train val test; do
  f=$DIR/photos-$s.tsv
  [ -r "$f" ] || fail "$f not found"
  [ "$(head -n 1 "$f")" = "$HEADER" ] || fail "$f: header is not: ${HEADER//$'\t'/ | }"
  [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$f: last line lacks a newline"
  # Every row: 8 non-empty tab-separated fields with sane contents.
  awk -F'\t' -v f="$f" '
    NR == 1 { next }
    NF != 8 { printf "%s:%d: %d fields, want 8\n", f, NR, NF; bad = 1; next }
    {
      for (i = 1; i <= 8; i++) if ($i == "") { printf "%s:%d: field %d empty\n", f, NR, i; bad = 1 }
      if ($1 !~ /^[a-z0-9][a-z0-9.+-]+$/) { printf "%s:%d: bad package %s\n", f, NR, $1; bad = 1 }
      if ($2 !~ /^\//) { printf "%s:%d: path must be absolute: %s\n", f, NR, $2; bad = 1 }
      if ($3 ~ /\// || $3 ~ /^\./ || $3 !~ /\.(jpg|JPG|jpeg|png)$/) { printf "%s:%d: bad file name %s\n", f, NR, $3; bad = 1 }
      if ($2 ~ /\.webp$/ && $3 !~ /\.png$/) { printf "%s:%d: WebP must become .png: %s\n", f, NR, $3; bad = 1 }
      if ($4 !~ /^[0-9a-f]+$/ || length($4) != 64) { printf "%s:%d: bad sha256 %s\n", f, NR, $4; bad = 1 }
      if ($5 !~ /^[1-9][0-9]*$/ || $6 !~ /^[1-9][0-9]*$/) { printf "%s:%d: bad size %sx%s\n", f, NR, $5, $6; bad = 1 }
      else if ($5 < 256 || $6 < 256) { printf "%s:%d: smaller than 256 px: %sx%s\n", f, NR, $5, $6; bad = 1 }
      if (ver[$1] != "" && ver[$1] != $8) { printf "%s:%d: two versions of %s\n", f, NR, $1; bad = 1 }
      ver[$1] = $8
    }
    END { exit bad }' "$f" || fail "$f does not parse"
  tail -n +2 "$f" | awk -F'\t' -v s="$s" '{print s "\t" $1 "\t" $3 "\t" $4}' >> "$TMP/all"
  # Counts documented in README.md: a table row "| <split> | <count> | ...".
  want=$(sed -n "s/^| *$s *| *\([0-9][0-9]*\) *|.*/\1/p" "$README" | head -n 1)
  [ -n "$want" ] || fail "$README has no table row '| $s | <count> |'"
  got=$(($(wc -l < "$f") - 1))
  [ "$got" = "$want" ] || fail "photos-$s.tsv has $got photos, README.md says $want"
  echo "photos-$s.tsv: $got photos, $(tail -n +2 "$f" | cut -f1 | sort -u | wc -l) packages"
done

# No file name and no sha256 twice, within or across splits (file names are
# unique overall, so no photo can sit in two splits under the same name).
dup=$(cut -f3 "$TMP/all" | sort | uniq -d)
[ -z "$dup" ] || fail "file name(s) listed twice: $dup"
dup=$(cut -f4 "$TMP/all" | sort | uniq -d)
[ -z "$dup" ] || fail "sha256 listed twice (same photo twice): $dup"

# Train shares no package with val or test (val and test are split by package,
# except lomiri-wallpapers-16.04, which is split by photographer).
awk -F'\t' '$1 == "train" {print $2}' "$TMP/all" | sort -u > "$TMP/train.pkgs"
awk -F'\t' '$1 != "train" {print $2}' "$TMP/all" | sort -u > "$TMP/held.pkgs"
both=$(comm -12 "$TMP/train.pkgs" "$TMP/held.pkgs")
[ -z "$both" ] || fail "package(s) in train and in val/test: $both"
comm -12 <(awk -F'\t' '$1 == "val" {print $2}' "$TMP/all" | sort -u) \
         <(awk -F'\t' '$1 == "test" {print $2}' "$TMP/all" | sort -u) > "$TMP/vt.pkgs"
[ "$(cat "$TMP/vt.pkgs")" = "lomiri-wallpapers-16.04" ] || [ ! -s "$TMP/vt.pkgs" ] \
  || fail "val and test share package(s) other than lomiri-wallpapers-16.04: $(cat "$TMP/vt.pkgs")"
if [ -s "$TMP/vt.pkgs" ]; then
  # ... and there no photographer ("*_by_NAME.jpg") is in both.
  by() { awk -F'\t' -v s="$1" '$1 == s && $2 == "lomiri-wallpapers-16.04" {sub(/.*_by_/, "", $3); print $3}' "$TMP/all" | sort -u; }
  shared=$(comm -12 <(by val) <(by test))
  [ -z "$shared" ] || fail "photographer(s) in val and test: $shared"
fi

# The test split holds the photographs the tests and the main job use.
grep -q $'^test\tpython3-skimage\tastronaut.png\t' "$TMP/all" || fail "skimage astronaut.png is not in the test split"
echo "test_photo_lists: OK ($(wc -l < "$TMP/all") photos, splits disjoint)"
