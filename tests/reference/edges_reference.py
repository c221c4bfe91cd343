#!/usr/bin/python3
"""Independent numpy reference for docs/spec/energy.md §3 (edge response E),
section 8 (structure-edge detector B) and section 9 (texture detector).

Written from the specification text, not from the C++ headers, so that
tests/test_structure_edges.cpp can compare the two on a real photo.

Usage:
    /usr/bin/python3 edges_reference.py IMAGE OUTDIR [--crop Y0 X0 H W]

Writes into OUTDIR (all arrays row-major, little-endian):
    shape.txt        "H W"
    rgb.u8           H*W*3 uint8, interleaved RGB (the pixels used)
    E.f64            H*W float64, edge response (section 3)
    candidates.u8    H*W uint8 0/1, selection step (section 8.1)
    B.u8             H*W uint8 0/1, after filtering short segments (8.2)
    texture.u8       H*W uint8 0/1, texture detector (section 9)
"""
import argparse
import math
import os

import numpy as np
from PIL import Image


def overlap(h, w, dy, dx):
    """Slices (centre, neighbour) selecting every pixel i whose neighbour
    i + (dy, dx) lies inside an h x w image, and that neighbour."""
    cy = slice(max(0, -dy), h - max(0, dy))
    cx = slice(max(0, -dx), w - max(0, dx))
    ny = slice(max(0, dy), h - max(0, -dy))
    nx = slice(max(0, dx), w - max(0, -dx))
    return (cy, cx), (ny, nx)


# ----------------------------------------------------------------- section 3
def edge_response(rgb):
    """E_i = 1/6 sum over N12(i) of |S_i - S_j|, S the channel sum; neighbours
    outside the image are skipped."""
    s = rgb.astype(np.float64).sum(axis=2)
    h, w = s.shape
    n12 = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
    n12 += [(-2, 0), (2, 0), (0, -2), (0, 2)]
    total = np.zeros_like(s)
    for dy, dx in n12:
        c, n = overlap(h, w, dy, dx)
        total[c] += np.abs(s[c] - s[n])
    return total / 6.0


# ----------------------------------------------------------------- section 8
def select_candidates(e, radius=10, low=25.0, high=60.0, diff_low=20.0, diff_high=30.0,
                      min_count=200):
    # Exact arithmetic: on 8-bit images 6E is an integer (the sum of
    # |S_i - S_j|), so the comparisons are made on 6E and 6·thresholds, where
    # ties E_i - E_j = 20 are decided exactly rather than by float rounding.
    h, w = e.shape
    k = np.rint(6 * e)
    diff6 = np.where(k >= 6 * high, 6 * diff_high, 6 * diff_low)
    count = np.zeros((h, w), dtype=np.int64)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dy == 0 and dx == 0:
                continue
            c, n = overlap(h, w, dy, dx)
            count[c] += (k[c] - k[n]) > diff6[c]
    return ((k > 6 * low) & (count > min_count)).astype(np.uint8)


# (dx, dy) tries per step, in order; forward then backward.
ORIENTATIONS = {
    "vertical": ([(-1, 1), (0, 1), (1, 1)], [(-1, -1), (0, -1), (1, -1)]),
    "horizontal": ([(1, -1), (1, 0), (1, 1)], [(-1, -1), (-1, 0), (-1, 1)]),
    "diagonal": ([(1, 0), (0, 1), (1, 1)], [(-1, 0), (0, -1), (-1, -1)]),
    "antidiagonal": ([(1, 0), (0, -1), (1, -1)], [(-1, 0), (0, 1), (-1, 1)]),
}


def walk(cand, ys, xs, tries, max_steps):
    """Walk all starting points at once; returns the number of candidates
    found by each before its first step without a candidate."""
    h, w = cand.shape
    y, x = ys.copy(), xs.copy()
    found = np.zeros(len(ys), dtype=np.int64)
    alive = np.ones(len(ys), dtype=bool)
    for _ in range(max_steps):
        moved = np.zeros(len(ys), dtype=bool)
        new_y, new_x = y.copy(), x.copy()
        for dx, dy in tries:
            ty, tx = y + dy, x + dx
            ok = alive & ~moved & (ty >= 0) & (ty < h) & (tx >= 0) & (tx < w)
            idx = np.nonzero(ok)[0]
            hit = idx[cand[ty[idx], tx[idx]] > 0]
            new_y[hit], new_x[hit] = ty[hit], tx[hit]
            moved[hit] = True
        alive = moved
        found += alive
        y, x = new_y, new_x
        if not alive.any():
            break
    return found


def filter_short_segments(cand, max_steps=25, min_chain=20):
    ys, xs = np.nonzero(cand)
    length = {}
    for name, (fwd, bwd) in ORIENTATIONS.items():
        length[name] = walk(cand, ys, xs, fwd, max_steps) + walk(cand, ys, xs, bwd, max_steps)
    remove = ((length["vertical"] < min_chain) & (length["horizontal"] < min_chain)
              & (length["diagonal"] < min_chain) & (length["antidiagonal"] <= min_chain))
    out = cand.copy()
    out[ys[remove], xs[remove]] = 0
    return out


# ----------------------------------------------------------------- section 9
def texture_map(rgb, e):
    """Section 9. G is the channel mean; we keep g3 = 3G = R + G + B as exact
    integers (Python ints) so that "gx = 0" and the strict "< 50" are decided
    exactly: 8-bit photos do produce |avgA - avgB| = 50 exactly, which float
    means would decide by rounding noise. Scaling G by 3 leaves atan2 alone."""
    g3 = rgb.astype(np.int64).sum(axis=2).tolist()
    h, w = len(g3), len(g3[0])
    out = np.zeros((h, w), dtype=np.uint8)

    def neighbours(px, py):
        """(sum of g3, count) over the 8 neighbours of (px, py) inside the image."""
        vals = [g3[py + dy][px + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                if (dy, dx) != (0, 0) and 0 <= py + dy < h and 0 <= px + dx < w]
        return sum(vals), len(vals)

    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if not np.rint(6 * e[y, x]) > 6 * 25:
                continue
            g = g3
            gy = (2 * (g[y + 1][x] - g[y - 1][x]) + (g[y + 1][x + 1] - g[y - 1][x + 1])
                  + (g[y + 1][x - 1] - g[y - 1][x - 1]))
            gx = (2 * (g[y][x + 1] - g[y][x - 1]) + (g[y + 1][x + 1] - g[y + 1][x - 1])
                  + (g[y - 1][x + 1] - g[y - 1][x - 1]))
            if gx == 0:
                theta = math.pi / 2 if gy > 0 else 3 * math.pi / 2
            elif gy == 0:
                theta = 0.0 if gx > 0 else math.pi
            else:
                theta = math.atan2(gy, gx)
            if theta < 0:
                theta += math.pi
            ax = x + math.trunc(2 * math.cos(theta))
            ay = y + math.trunc(2 * math.sin(theta))
            bx = x + math.trunc(2 * math.cos(theta + math.pi))
            by = y + math.trunc(2 * math.sin(theta + math.pi))
            (sa, na), (sb, nb) = neighbours(ax, ay), neighbours(bx, by)
            if na == 0 or nb == 0:
                continue
            # |sa / (3 na) - sb / (3 nb)| < 50, in integers
            if abs(sa * nb - sb * na) < 50 * 3 * na * nb:
                out[y, x] = 1
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("outdir")
    parser.add_argument("--crop", type=int, nargs=4, metavar=("Y0", "X0", "H", "W"))
    args = parser.parse_args()

    rgb = np.asarray(Image.open(args.image).convert("RGB"), dtype=np.uint8)
    if args.crop:
        y0, x0, hh, ww = args.crop
        rgb = rgb[y0:y0 + hh, x0:x0 + ww]
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape

    e = edge_response(rgb)
    cand = select_candidates(e)
    b = filter_short_segments(cand)
    tex = texture_map(rgb, e)

    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "shape.txt"), "w") as f:
        f.write(f"{h} {w}\n")
    rgb.tofile(os.path.join(args.outdir, "rgb.u8"))
    e.astype("<f8").tofile(os.path.join(args.outdir, "E.f64"))
    cand.tofile(os.path.join(args.outdir, "candidates.u8"))
    b.tofile(os.path.join(args.outdir, "B.u8"))
    tex.tofile(os.path.join(args.outdir, "texture.u8"))
    print(f"{h}x{w}: {int(cand.sum())} candidates, {int(b.sum())} in B, "
          f"{int(tex.sum())} texture")


if __name__ == "__main__":
    main()
