#!/usr/bin/python3
"""Compares `ismooth energy ... --json` with the numpy reference
energy_reference.py on crops of real photographs.

    check_energy_reference.py ISMOOTH [--ties] [--keep DIR]

For each photo (skimage's astronaut.png and coffee.png) it cuts a 64 x 80
crop I, makes a smoothed T (5 x 5 box blur in numpy, rounded to uint8), an
edge map B (numpy edge response of I > 60) and a foreground mask F (a disc),
saves them as PNG, runs the tool for a list of presets and options, and
requires data, flatten, edge, total to agree to 1e-4 relative (1e-9 absolute
for zeros) and edge_pixels, l2_fraction to match. Exit 77 (skip) when the
photos are missing.

--ties runs only targeted cases instead: for each crop it picks the integer c2
at which E_i(T) - E_i(I) = c2 holds *exactly* at pixels where subtracting the
separately rounded values k_T/6 - k_I/6 in floating point lands above c2
(Eq. 8 has a strict '>', so those pixels are not in M), and compares with
dilation off and c1 = inf so that every such pixel shows in l2_fraction.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import energy_reference as ref  # noqa: E402

DATA = "/usr/lib/python3/dist-packages/skimage/data"
# (file, y0, x0): 64 x 80 crops with edges, flat and textured parts.
CROPS = [("astronaut.png", 150, 190), ("coffee.png", 120, 250)]
H, W = 64, 80
REL, ABS = 1e-4, 1e-9

CASES = [  # (name, preset, extra ismooth arguments)
    ("smoothing", "smoothing", []),
    ("detail", "detail", []),
    ("smoothing dilate=0", "smoothing", ["--set", "dilate=0"]),
    ("smoothing --energy l08", "smoothing", ["--energy", "l08"]),
    ("smoothing --energy half", "smoothing", ["--energy", "half"]),
    ("smoothing --energy l2", "smoothing", ["--energy", "l2"]),
    ("smoothing radius=3", "smoothing", ["--set", "radius=3"]),
    ("detail radius=3 dilate=1", "detail", ["--set", "radius=3", "--set", "dilate=1"]),
    ("smoothing, other constants", "smoothing",
     ["--set", "sigma_r=0.2", "--set", "sigma_s=3", "--set", "alpha=2.5", "--set", "c1=30",
      "--set", "c2=4.25", "--set", "lambda_e=0.7", "--set", "colour_weight_floor=0.1",
      "--set", "p_small=0.5", "--set", "p_large=1.5"]),
    ("background --mask F", "background", ["--mask", "F.png"]),
    ("foreground --mask F", "foreground", ["--mask", "F.png"]),
]


def box_blur5(rgb):
    """5 x 5 mean over the pixels of the window inside the image, rounded."""
    x = rgb.astype(np.float64)
    h, w, _ = x.shape
    acc = np.zeros_like(x)
    cnt = np.zeros((h, w, 1))
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            c, n = ref.overlap(h, w, dy, dx)
            acc[c] += x[n]
            cnt[c] += 1
    return np.clip(np.rint(acc / cnt), 0, 255).astype(np.uint8)


def parse_sets(args):
    out = {}
    for k in range(len(args)):
        if args[k] == "--set":
            key, value = args[k + 1].split("=", 1)
            out[key] = math.inf if value == "inf" else ref.parse_value(key, value)
    return out


def arg_after(args, flag, default):
    return args[args.index(flag) + 1] if flag in args else default


def tie_cases(i_u8, t_u8):
    """Cases whose c2 sits exactly on E(T) - E(I) at pixels where naive
    floating-point subtraction would decide the tie wrongly (see --ties)."""
    k_i = ref.edge_response_sixths(i_u8)
    k_t = ref.edge_response_sixths(t_u8)
    best = (0, 0)
    for c2 in range(1, 41):
        exact = (k_t - k_i) / 6.0 > c2
        naive = k_t / 6.0 - k_i / 6.0 > c2
        best = max(best, (int((exact != naive).sum()), c2))
    flips, c2 = best
    if not flips:
        return []
    return [(f"tie c2={c2} ({flips} px)", "smoothing",
             ["--set", f"c2={c2}", "--set", "c1=inf", "--set", "dilate=0"])]


def close(a, b):
    if a == 0 or b == 0:
        return abs(a - b) <= ABS
    return abs(a - b) <= REL * max(abs(a), abs(b))


def rel_diff(a, b):
    if a == b:
        return 0.0
    if a == 0 or b == 0:
        return abs(a - b)
    return abs(a - b) / max(abs(a), abs(b))


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: check_energy_reference.py ISMOOTH [--keep DIR]")
    tool = os.path.abspath(sys.argv[1])
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    ties = "--ties" in sys.argv
    for name, _, _ in CROPS:
        if not os.path.exists(os.path.join(DATA, name)):
            print(f"SKIP: {DATA}/{name} missing (install python3-skimage)")
            return 77

    failures = []
    worst = {k: (0.0, "") for k in ("data", "flatten", "edge", "total")}
    with tempfile.TemporaryDirectory(prefix="ismooth-ref.") as tmp:
        work = keep or tmp
        os.makedirs(work, exist_ok=True)
        for photo, y0, x0 in CROPS:
            stem = os.path.splitext(photo)[0]
            i_u8 = np.asarray(Image.open(os.path.join(DATA, photo)).convert("RGB"))
            i_u8 = np.ascontiguousarray(i_u8[y0:y0 + H, x0:x0 + W])
            t_u8 = box_blur5(i_u8)
            b = (ref.edge_response(i_u8) > 60).astype(np.uint8)
            yy, xx = np.mgrid[0:H, 0:W]
            f = (((yy - H / 2) ** 2 + (xx - W / 2) ** 2) < (0.35 * W) ** 2).astype(np.uint8)
            paths = {k: os.path.join(work, f"{stem}_{k}.png") for k in ("I", "T", "B", "F")}
            Image.fromarray(i_u8).save(paths["I"])
            Image.fromarray(t_u8).save(paths["T"])
            Image.fromarray(b * 255).save(paths["B"])
            Image.fromarray(f * 255).save(paths["F"])
            # What the tool reads back must be what we computed on.
            assert (np.asarray(Image.open(paths["T"]).convert("RGB")) == t_u8).all()
            print(f"{photo} crop ({y0},{x0}) {W}x{H}: B has {int(b.sum())} pixels, "
                  f"F {int(f.sum())}")

            cases = tie_cases(i_u8, t_u8) if ties else CASES
            if ties and not cases:
                print("  (no floating-point ties on this crop)")
            for label, preset, extra in cases:
                extra = [paths["F"] if a == "F.png" else a for a in extra]
                cmd = [tool, "energy", paths["I"], paths["T"], "--edges", paths["B"],
                       "--preset", preset, "--json"] + extra
                run = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
                if run.returncode != 0:
                    failures.append(f"{photo} [{label}]: exit {run.returncode}: {run.stderr}")
                    continue
                got = json.loads(run.stdout)
                kind = arg_after(extra, "--energy", "adaptive")
                want = ref.energy(i_u8, t_u8, b, preset, parse_sets(extra), kind,
                                  f if "--mask" in extra else None)
                bad = []
                for k in ("data", "flatten", "edge", "total"):
                    d = rel_diff(got[k], want[k])
                    if d > worst[k][0]:
                        worst[k] = (d, f"{photo} [{label}]")
                    if not close(got[k], want[k]):
                        bad.append(f"{k}: ismooth {got[k]!r} reference {want[k]!r} (rel {d:.3g})")
                if got["edge_pixels"] != want["edge_pixels"]:
                    bad.append(f"edge_pixels: ismooth {got['edge_pixels']} "
                               f"reference {want['edge_pixels']}")
                if abs(got["l2_fraction"] - want["l2_fraction"]) > 1e-12:
                    bad.append(f"l2_fraction: ismooth {got['l2_fraction']!r} "
                               f"reference {want['l2_fraction']!r} "
                               f"({got['l2_fraction'] * H * W:.0f} vs "
                               f"{want['l2_fraction'] * H * W:.0f} pixels)")
                for k in ("lambda_f", "lambda_e"):
                    if abs(got[k] - want[k]) > 1e-15:
                        bad.append(f"{k}: ismooth {got[k]!r} reference {want[k]!r}")
                status = "ok  " if not bad else "FAIL"
                print(f"  {status} {label:30s} data {want['data']:.6g} flatten "
                      f"{want['flatten']:.9g} edge {want['edge']:.6g} total {want['total']:.9g} "
                      f"N_e {want['edge_pixels']} L2 {want['l2_fraction']:.4f}")
                for line in bad:
                    print(f"       {line}")
                    failures.append(f"{photo} [{label}] {line}")

    print("max relative difference per term:")
    for k, (d, where) in worst.items():
        print(f"  {k:8s} {d:.3g}  {where}")
    if failures:
        print(f"{len(failures)} mismatches", file=sys.stderr)
        return 1
    print("all cases agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
