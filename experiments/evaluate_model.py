#!/usr/bin/python3
"""evaluate_model.py -- the model card's test-split table (docs/model-card.md).

For every photo of a folder (recursively), downsampled so its short side is
--short-side pixels (Lanczos, 8-bit PNG), it smooths the photo with

  identity   T = I
  cnn        `ismooth smooth` with the model (the written, post-processed image)
  cnn-raw    the same with --no-postprocess
  adam       `ismooth solve --solver adam` (100 iterations, adaptive map)
  lbfgs      `ismooth solve --solver lbfgs` (100 iterations)
  irls       `ismooth solve --solver irls` (10 iterations; the majoriser has
             no edge term, so IRLS minimises with lambda_e = 0 and its result
             is scored on the full energy like every other method)

and scores every written 8-bit result with `ismooth energy` (exact values,
epsilon = 0) under four settings: the smoothing preset with and without the
7x7 mask dilation, each with the spec's zeroed-guidance clause
(zero_guidance_margin = 0) and with the margin the shipped model was trained
with (--margin). The solvers minimise the energy with that margin (with the
spec's clause, Adam diverges on photos with flat areas; docs/network.md).

Every result is cached under OUT (OUT/<image>/<method>.png and .json); a rerun
skips what exists, so the script can be interrupted and resumed. Writes
OUT/results.csv (one row per image and method) and prints a Markdown table of
means. Usage:

  experiments/evaluate_model.py PHOTOS OUT [--model FILE] [--ismooth BIN]
      [--short-side 256] [--margin 10] [--methods identity,cnn,...] [--limit N]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

METHODS = ["identity", "cnn", "cnn-raw", "adam", "lbfgs", "irls"]
SCORES = [("dilate", 1, "spec"), ("no_dilate", 0, "spec"), ("dilate", 1, "margin"),
          ("no_dilate", 0, "margin")]


def log(msg):
    print(f"evaluate_model: {msg}", file=sys.stderr, flush=True)


def run(cmd):
    """Runs cmd; returns (stdout, seconds). Raises with the command's stderr on failure."""
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout, seconds


def write_atomically(path, text):
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def prepare(photo, out_dir, short_side):
    target = out_dir / "input.png"
    if not target.exists():
        im = Image.open(photo).convert("RGB")
        s = short_side / min(im.size)
        if s < 1:
            im = im.resize((round(im.size[0] * s), round(im.size[1] * s)), Image.LANCZOS)
        tmp = out_dir / "input.tmp.png"
        im.save(tmp)
        os.replace(tmp, target)
    return target


def produce(method, ismooth, inp, out_png, args):
    """Writes out_png for `method`; returns seconds (0 for identity)."""
    margin = ["--set", f"zero_guidance_margin={args.margin}"]
    model = ["--model", args.model] if args.model else []
    tmp = out_png.with_name(out_png.stem + ".tmp.png")
    if method == "identity":
        Image.open(inp).save(tmp)
        seconds = 0.0
    elif method in ("cnn", "cnn-raw"):
        extra = ["--no-postprocess"] if method == "cnn-raw" else []
        _, seconds = run([ismooth, "smooth", str(inp), str(tmp), *model, *extra])
    elif method == "irls":
        _, seconds = run([ismooth, "solve", str(inp), str(tmp), "--solver", "irls", *margin,
                          "--set", "lambda_e=0"])
    else:
        _, seconds = run([ismooth, "solve", str(inp), str(tmp), "--solver", method, *margin])
    os.replace(tmp, out_png)
    return seconds


def score(ismooth, inp, result, args):
    scores = {}
    for name, dilate, clause in SCORES:
        margin = 0 if clause == "spec" else args.margin
        out, _ = run([ismooth, "energy", str(inp), str(result), "--json", "--set",
                      f"dilate={dilate}", "--set", f"zero_guidance_margin={margin}"])
        scores[f"{name}_{clause}"] = json.loads(out)["total"]
    return scores


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--model", default="", help="model file (default: ismooth's default model)")
    ap.add_argument("--ismooth", default=str(Path(__file__).resolve().parent.parent / "build" /
                                              "experiments" / "ismooth"))
    ap.add_argument("--short-side", type=int, default=256)
    ap.add_argument("--margin", type=float, default=10)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--limit", type=int, default=0,
                    help="only the first N photos (sorted by path); 0 = all")
    args = ap.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    for m in methods:
        if m not in METHODS:
            sys.exit(f"evaluate_model: unknown method '{m}' (expected {', '.join(METHODS)})")
    photos = sorted(p for p in args.photos.rglob("*")
                    if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if args.limit > 0:
        photos = photos[:args.limit]
    if not photos:
        sys.exit(f"evaluate_model: no photos under '{args.photos}'")
    args.out.mkdir(parents=True, exist_ok=True)
    rows, failures = [], 0
    for k, photo in enumerate(photos, 1):
        name = f"{photo.parent.name}--{photo.stem}"
        out_dir = args.out / name
        out_dir.mkdir(exist_ok=True)
        inp = prepare(photo, out_dir, args.short_side)
        w, h = Image.open(inp).size
        for method in methods:
            record = out_dir / f"{method}.json"
            if record.exists():
                rows.append(json.loads(record.read_text()))
                continue
            log(f"[{k}/{len(photos)}] {name} ({w}x{h}) {method} ...")
            try:
                png = out_dir / f"{method}.png"
                seconds = produce(method, args.ismooth, inp, png, args)
                row = {"image": name, "width": w, "height": h, "method": method,
                       "seconds": seconds, **score(args.ismooth, inp, png, args)}
            except RuntimeError as e:
                log(f"error: {e}")
                failures += 1
                continue
            write_atomically(record, json.dumps(row))
            rows.append(row)
    keys = ["image", "width", "height", "method", "seconds"] + [f"{n}_{c}" for n, _, c in SCORES]
    with open(args.out / "results.csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=keys)
        wr.writeheader()
        wr.writerows(rows)
    print(f"| method | images | E (dilation, spec) | E (no dilation, spec) | "
          f"E (dilation, margin {args.margin:g}) | E (no dilation, margin {args.margin:g}) | "
          f"seconds / image |")
    print("|---|---|---|---|---|---|---|")
    # Means over the images every method finished, so the rows compare alike.
    done = {m: {r["image"] for r in rows if r["method"] == m} for m in methods}
    common = set.intersection(*done.values()) if done else set()
    print(f"({len(common)} images with every method; per method finished: "
          + ", ".join(f"{m} {len(d)}" for m, d in done.items()) + ")")
    for method in methods:
        sel = [r for r in rows if r["method"] == method and r["image"] in common]
        if not sel:
            continue
        mean = lambda key: sum(r[key] for r in sel) / len(sel)
        cells = " | ".join(f"{mean(f'{n}_{c}'):.1f}" for n, _, c in SCORES)
        print(f"| {method} | {len(sel)} | {cells} | {mean('seconds'):.2f} |")
    if failures:
        sys.exit(f"evaluate_model: {failures} result(s) failed")


if __name__ == "__main__":
    main()
