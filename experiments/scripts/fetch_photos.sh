#!/usr/bin/env bash
# fetch_photos.sh -- fetch ismooth's training, validation and test photographs
# from Debian 12 (bookworm, main) packages, exactly as listed in
# experiments/data/photos-{train,val,test}.tsv (see experiments/data/README.md).
#
# Usage: experiments/scripts/fetch_photos.sh DEST [--split train|val|test|all]
#
# For every package in the selected lists it runs `apt-get download` (no
# installation, no dependencies), unpacks only the listed files from the .deb
# into a cache, pulls GCompris's WebP photos out of their Qt resource (.rcc)
# files, converts those to PNG with `dwebp` (Debian package `webp`), and
# places every photo at DEST/<split>/<package>/<file>. Every file's sha256 is
# checked against the list: the sha256 column is that of the original bytes
# in the package (for .rcc entries, the WebP bytes before conversion). Also
# written: DEST/photos-<split>.tsv (copies of the lists) and
# DEST/licenses/<package>.copyright (attribution for CC-BY/CC-BY-SA photos).
#
# Needs: Debian 12 with bookworm main in the apt sources, apt-get, dpkg-deb,
# tar, sha256sum, and -- for the training split only -- python3 (standard
# library) and dwebp. Run as root, missing tools (packages python3, webp) are
# installed and `apt-get update` runs if a package is unknown; otherwise
# nothing needs root.
#
# Environment: FETCH_PHOTOS_CACHE=DIR  cache of .debs and unpacked files
#              (default DEST/.cache; about 620 MB for all splits; deletable).
#
# Idempotent: files already in DEST with the right content are left alone.
# Exits 0 only when every listed file is in place and verified; otherwise it
# names each missing or mismatching file and exits 1 (2 for bad arguments).
set -euo pipefail
export LC_ALL=C

PROG=fetch_photos
USAGE="Usage: experiments/scripts/fetch_photos.sh DEST [--split train|val|test|all]"
die() { echo "$PROG: error: $*" >&2; exit 1; }
warn() { echo "$PROG: warning: $*" >&2; }
log() { echo "$PROG: $*"; }
usage_error() { echo "$PROG: error: $*" >&2; echo "$USAGE" >&2; exit 2; }

# --- arguments ---------------------------------------------------------------
DEST="" SPLIT=all
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) echo "$USAGE"; exit 0 ;;
    --split) [ $# -ge 2 ] || usage_error "--split needs a value"; SPLIT=$2; shift 2 ;;
    --split=*) SPLIT=${1#--split=}; shift ;;
    -*) usage_error "unknown option '$1'" ;;
    *) [ -z "$DEST" ] || usage_error "more than one DEST given"; DEST=$1; shift ;;
  esac
done
[ -n "$DEST" ] || usage_error "DEST missing"
case $SPLIT in
  train|val|test) SPLITS=("$SPLIT") ;;
  all) SPLITS=(train val test) ;;
  *) usage_error "--split must be train, val, test or all (got '$SPLIT')" ;;
esac

LISTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/data
HEADER=$'package\tpath\tfile\tsha256\twidth\theight\tlicence\tversion'
for s in "${SPLITS[@]}"; do
  f=$LISTS/photos-$s.tsv
  [ -r "$f" ] || die "list $f not found"
  [ "$(head -n 1 "$f")" = "$HEADER" ] || die "$f: unexpected header (want: ${HEADER//$'\t'/ })"
done

mkdir -p "$DEST" || die "cannot create $DEST"
DEST=$(cd "$DEST" && pwd)
CACHE=${FETCH_PHOTOS_CACHE:-$DEST/.cache}
mkdir -p "$CACHE/debs" "$CACHE/root" "$CACHE/rcc" "$CACHE/converted" || die "cannot create cache $CACHE"
CACHE=$(cd "$CACHE" && pwd)

# --- read the lists ------------------------------------------------------------
# R_* are parallel arrays, one entry per listed photo.
R_SPLIT=() R_PKG=() R_PATH=() R_FILE=() R_SHA=() R_W=() R_H=() R_VER=()
declare -A PKG_VER=()
NEED_PY=0 NEED_DWEBP=0
for s in "${SPLITS[@]}"; do
  line_no=1
  while IFS=$'\t' read -r pkg path file sha w h lic ver extra; do
    line_no=$((line_no + 1))
    [ -n "$pkg$path" ] || continue
    where="photos-$s.tsv line $line_no"
    [ -z "${extra:-}" ] || die "$where: more than 8 columns"
    if [ -z "$ver" ] || [ -z "$lic" ]; then die "$where: fewer than 8 columns"; fi
    [[ $sha =~ ^[0-9a-f]{64}$ ]] || die "$where: bad sha256 '$sha'"
    [[ $w =~ ^[1-9][0-9]*$ && $h =~ ^[1-9][0-9]*$ ]] || die "$where: bad size '$w x $h'"
    [[ $path == /* && $file != */* && $file != .* ]] || die "$where: bad path or file name"
    if [ -n "${PKG_VER[$pkg]:-}" ] && [ "${PKG_VER[$pkg]}" != "$ver" ]; then
      die "$where: $pkg listed with two versions (${PKG_VER[$pkg]}, $ver)"
    fi
    PKG_VER[$pkg]=$ver
    if [[ $path == *.rcc:* ]]; then NEED_PY=1; fi
    if [[ $path == *.webp && $file == *.png ]]; then NEED_DWEBP=1; fi
    R_SPLIT+=("$s") R_PKG+=("$pkg") R_PATH+=("$path") R_FILE+=("$file") R_SHA+=("$sha")
    R_W+=("$w") R_H+=("$h") R_VER+=("$ver")
  done < <(tail -n +2 "$LISTS/photos-$s.tsv")
done
N=${#R_PKG[@]}
mapfile -t PKGS < <(printf '%s\n' "${!PKG_VER[@]}" | sort)
log "${SPLITS[*]}: $N photos from ${#PKGS[@]} Debian packages -> $DEST (cache $CACHE)"

# --- tools -----------------------------------------------------------------------
is_root() { [ "$(id -u)" = 0 ]; }
APT_UPDATED=0
apt_update_once() {
  [ $APT_UPDATED = 0 ] || return 0
  APT_UPDATED=1
  is_root || return 0
  log "apt-get update"
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null || warn "apt-get update failed"
}
for t in apt-get apt-cache dpkg-deb tar sha256sum cmp od; do
  command -v "$t" >/dev/null || die "'$t' not found (this script needs Debian's apt and dpkg)"
done
[ -r /etc/debian_version ] && case $(cut -d. -f1 /etc/debian_version) in
  12|bookworm*) ;;
  *) warn "the lists were made on Debian 12 (bookworm); this is $(cat /etc/debian_version): packages may differ" ;;
esac
PY=python3
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; fi
need_pkgs=()
if [ $NEED_PY = 1 ] && ! command -v "$PY" >/dev/null; then need_pkgs+=(python3); fi
if [ $NEED_DWEBP = 1 ] && ! command -v dwebp >/dev/null; then need_pkgs+=(webp); fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  is_root || die "missing tools; install them first: apt-get install ${need_pkgs[*]}"
  log "apt-get install ${need_pkgs[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
       --no-install-recommends "${need_pkgs[@]}" >/dev/null; then
    apt_update_once
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
      --no-install-recommends "${need_pkgs[@]}" >/dev/null || die "apt-get install ${need_pkgs[*]} failed"
  fi
fi

# --- download and unpack each package --------------------------------------------
declare -A GOT_VER=()
find_deb() {  # PKG VERSION -> cached .deb of that version, or nothing
  local f
  for f in "$CACHE/debs/$1"_*.deb; do
    if [ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version 2>/dev/null)" = "$2" ]; then echo "$f"; return 0; fi
  done
  return 0
}
download() {  # PKG VERSION -> 0 if downloaded
  (cd "$CACHE/debs" && apt-get download -q "$1=$2") >"$CACHE/debs/.log" 2>&1
}
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }

i=0
for pkg in "${PKGS[@]}"; do
  i=$((i + 1)); want=${PKG_VER[$pkg]}
  deb=$(find_deb "$pkg" "$want")
  if [ -n "$deb" ]; then
    log "[$i/${#PKGS[@]}] $pkg $want (cached)"
  else
    log "[$i/${#PKGS[@]}] $pkg $want: apt-get download"
    if ! download "$pkg" "$want"; then
      apt_update_once
      if ! download "$pkg" "$want"; then
        cand=$(candidate "$pkg")
        if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
          cat "$CACHE/debs/.log" >&2
          die "package $pkg is not available from the apt sources (is Debian 12 'main' enabled? run 'apt-get update')"
        fi
        [ "$cand" != "$want" ] || { cat "$CACHE/debs/.log" >&2; die "apt-get download $pkg=$want failed"; }
        warn "$pkg $want is no longer available; downloading $cand instead (checksums may not match)"
        download "$pkg" "$cand" || { cat "$CACHE/debs/.log" >&2; die "apt-get download $pkg=$cand failed"; }
        want=$cand
      fi
    fi
    deb=$(find_deb "$pkg" "$want")
    [ -n "$deb" ] || die "apt-get download $pkg=$want left no .deb in $CACHE/debs"
  fi
  GOT_VER[$pkg]=$(dpkg-deb -f "$deb" Version)

  # Unpack only the listed files (and the copyright file) -- not the whole tree.
  root=$CACHE/root/$pkg
  members=$CACHE/root/.$pkg.members
  for ((k = 0; k < N; k++)); do
    [ "${R_PKG[k]}" = "$pkg" ] || continue
    p=${R_PATH[k]}
    if [[ $p == *.rcc:* ]]; then p=${p%%.rcc:*}.rcc; fi
    echo ".$p"
  done | sort -u > "$members.want"
  echo "./usr/share/doc/$pkg/copyright" >> "$members.want"
  stamp="${GOT_VER[$pkg]} $(sha256sum < "$members.want" | cut -c1-16)"
  if [ "$(cat "$root/.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$root"; mkdir -p "$root"
    dpkg-deb --fsys-tarfile "$deb" | tar -t > "$members.all" || die "cannot read $deb"
    # Keep the listed members that the package has; the rest are reported below.
    sort -u "$members.all" | comm -12 - <(sort -u "$members.want") | tr '\n' '\0' > "$members.have"
    if [ -s "$members.have" ]; then
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" --null --verbatim-files-from -T "$members.have" \
        || die "unpacking $deb failed"
    fi
    echo "$stamp" > "$root/.stamp"
  fi
done

# --- GCompris: WebP entries inside Qt resource (.rcc) files ---------------------------
RCC_PY='
import os, struct, sys, zlib
rcc, outdir, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
b = open(rcc, "rb").read()
if b[:4] != b"qres": sys.exit("not a Qt resource file: " + rcc)
ver, tree, data, names = struct.unpack(">IIII", b[4:20])
ns = 14 if ver == 1 else 22
def name(off):
    o = names + off
    n = struct.unpack(">H", b[o:o + 2])[0]
    return b[o + 6:o + 6 + 2 * n].decode("utf-16-be")
found = set()
def walk(i, path):
    o = tree + i * ns
    noff, flags = struct.unpack(">IH", b[o:o + 6])
    nm = name(noff) if i else ""
    if flags & 2:  # directory
        cnt, first = struct.unpack(">II", b[o + 6:o + 14])
        for c in range(cnt):
            walk(first + c, path + nm + "/" if i else "")
        return
    fn = path + nm
    if fn not in wanted: return
    d = data + struct.unpack(">I", b[o + 10:o + 14])[0]
    size = struct.unpack(">I", b[d:d + 4])[0]
    raw = b[d + 4:d + 4 + size]
    if flags & 1: raw = zlib.decompress(raw[4:])
    elif flags & 4: sys.exit("zstd-compressed entry not supported: " + fn)
    out = os.path.join(outdir, fn)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if not (os.path.exists(out) and open(out, "rb").read() == raw):
        open(out + ".tmp", "wb").write(raw); os.replace(out + ".tmp", out)
    found.add(fn)
walk(0, "")
'
declare -A RCC_ENTRIES=()
for ((k = 0; k < N; k++)); do
  p=${R_PATH[k]}
  [[ $p == *.rcc:* ]] || continue
  key="${R_PKG[k]}|${p%%.rcc:*}.rcc"
  RCC_ENTRIES[$key]+="${p#*.rcc:}"$'\n'
done
for key in "${!RCC_ENTRIES[@]}"; do
  pkg=${key%%|*} container=${key#*|}
  rcc=$CACHE/root/$pkg$container
  [ -f "$rcc" ] || continue  # reported as missing below
  mapfile -t entries < <(printf '%s' "${RCC_ENTRIES[$key]}")
  out=$CACHE/rcc/$pkg$container
  mkdir -p "$out"
  "$PY" -c "$RCC_PY" "$rcc" "$out" "${entries[@]}" >/dev/null || die "reading $rcc failed"
done

# --- place and verify -------------------------------------------------------------
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
png_size() {  # FILE -> "W H" from the PNG header
  local b
  read -r -a b < <(od -An -tu1 -j16 -N8 "$1")
  echo "$(( (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3] )) $(( (b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7] ))"
}
version_note() {  # PKG
  local pkg=$1
  if [ "${GOT_VER[$pkg]}" != "${PKG_VER[$pkg]}" ]; then
    echo "package version changed: the lists were made from $pkg ${PKG_VER[$pkg]}, apt gave ${GOT_VER[$pkg]}; fetch ${PKG_VER[$pkg]} from https://snapshot.debian.org/ (or regenerate the lists)"
  else
    echo "same package version as the lists ($pkg ${PKG_VER[$pkg]}): the list entry is wrong or the cache is damaged (delete $CACHE and retry)"
  fi
}
declare -A N_OK=() N_NEW=()
BAD=0
EXPECTED_LIST=$CACHE/expected-files
: > "$EXPECTED_LIST"
for ((k = 0; k < N; k++)); do
  s=${R_SPLIT[k]} pkg=${R_PKG[k]} p=${R_PATH[k]} file=${R_FILE[k]} sha=${R_SHA[k]}
  rel=$s/$pkg/$file dst=$DEST/$s/$pkg/$file
  echo "$rel" >> "$EXPECTED_LIST"
  if [[ $p == *.rcc:* ]]; then
    src=$CACHE/rcc/$pkg${p%%.rcc:*}.rcc/${p#*.rcc:}
  else
    src=$CACHE/root/$pkg$p
  fi
  if [ ! -f "$src" ]; then
    echo "$PROG: MISSING $rel: $p is not in $pkg ${GOT_VER[$pkg]} (lists: ${PKG_VER[$pkg]})" >&2
    BAD=$((BAD + 1)); continue
  fi
  got=$(sha_of "$src")
  if [ "$got" != "$sha" ]; then
    echo "$PROG: MISMATCH $rel: sha256 of $pkg:$p is $got, the list says $sha; $(version_note "$pkg")" >&2
    BAD=$((BAD + 1)); continue
  fi
  mkdir -p "$(dirname "$dst")"
  if [[ $p == *.webp && $file == *.png ]]; then
    # Converted: the list's sha256 is of the WebP; remember the PNG's own hash.
    stamp=$CACHE/converted/$rel.sha256
    if [ -f "$dst" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha $(sha_of "$dst")" ]; then
      N_OK[$s]=$(( ${N_OK[$s]:-0} + 1 )); continue
    fi
    dwebp -quiet "$src" -o "$dst.tmp.png" || { rm -f "$dst.tmp.png"; die "dwebp $src failed"; }
    size=$(png_size "$dst.tmp.png")
    if [ "$size" != "${R_W[k]} ${R_H[k]}" ]; then
      rm -f "$dst.tmp.png"
      echo "$PROG: MISMATCH $rel: converted PNG is ${size/ /x}, the list says ${R_W[k]}x${R_H[k]}" >&2
      BAD=$((BAD + 1)); continue
    fi
    mv -f "$dst.tmp.png" "$dst"
    mkdir -p "$(dirname "$stamp")"
    echo "$sha $(sha_of "$dst")" > "$stamp"
  else
    if [ -f "$dst" ] && [ "$(sha_of "$dst")" = "$sha" ]; then
      N_OK[$s]=$(( ${N_OK[$s]:-0} + 1 )); continue
    fi
    cp -f "$src" "$dst.tmp" || die "cannot write $dst"
    mv -f "$dst.tmp" "$dst"
    [ "$(sha_of "$dst")" = "$sha" ] || die "$dst: sha256 changed while copying (disk problem?)"
  fi
  N_OK[$s]=$(( ${N_OK[$s]:-0} + 1 )); N_NEW[$s]=$(( ${N_NEW[$s]:-0} + 1 ))
done

# Lists and licences beside the photos.
mkdir -p "$DEST/licenses"
for s in "${SPLITS[@]}"; do
  cmp -s "$LISTS/photos-$s.tsv" "$DEST/photos-$s.tsv" || cp -f "$LISTS/photos-$s.tsv" "$DEST/photos-$s.tsv"
done
for pkg in "${PKGS[@]}"; do
  c=$CACHE/root/$pkg/usr/share/doc/$pkg/copyright
  if [ -f "$c" ]; then
    cmp -s "$c" "$DEST/licenses/$pkg.copyright" || cp -f "$c" "$DEST/licenses/$pkg.copyright"
  else
    warn "$pkg has no /usr/share/doc/$pkg/copyright"
  fi
done

# Files in DEST/<split>/ that the lists do not name (left alone, but reported).
for s in "${SPLITS[@]}"; do
  [ -d "$DEST/$s" ] || continue
  extra=$(cd "$DEST" && find "$s" -type f | sort | comm -23 - <(sort "$EXPECTED_LIST"))
  if [ -n "$extra" ]; then
    warn "$(printf '%s\n' "$extra" | wc -l) file(s) in $DEST/$s are not in photos-$s.tsv (not removed):"
    printf '  %s\n' "$extra" | head -20 >&2
  fi
done

for s in "${SPLITS[@]}"; do
  total=$(grep -c . < <(tail -n +2 "$LISTS/photos-$s.tsv")) || total=0
  log "$s: ${N_OK[$s]:-0}/$total verified (${N_NEW[$s]:-0} written, $(( ${N_OK[$s]:-0} - ${N_NEW[$s]:-0} )) already in place) in $DEST/$s"
done
if [ $BAD -gt 0 ]; then
  die "$BAD listed file(s) missing or mismatching (see above); DEST is incomplete"
fi
log "done: all $N photos verified"
