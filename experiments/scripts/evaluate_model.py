#!/usr/bin/python3
"""evaluate_model.py -- a model card's test-split table (docs/model-card.md, docs/models/).

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

--figures also writes OUT/methods.png (the first photos: input and every
method's result, nearest-neighbour enlarged) and OUT/samples.png (the same
photos at short side 512, the scale the model was trained at: a centred
crop of the input beside the model's result).

--preset NAME scores a model of another preset (detail, texture, background,
foreground: docs/models/): its adaptive energy as specified and with the
margin, and its p = 0.8 energy, each under the preset's parameters; the
background/foreground presets take each photo's mask from the built-in
saliency detector (`ismooth saliency`, cached as OUT/<image>/mask.png). Their
default methods are identity and cnn (the per-image solvers: --methods).
Every row also records the L2-mask fraction of the adaptive map.

Every result is cached under OUT (OUT/<image>/<method>.png and .json); a rerun
skips what exists, so the script can be interrupted and resumed. Writes
OUT/results.csv (one row per image and method) and prints a Markdown table of
means. Usage:

  experiments/scripts/evaluate_model.py PHOTOS OUT [--model FILE] [--ismooth BIN]
      [--short-side 256] [--margin 10] [--methods identity,cnn,...] [--limit N]
      [--preset smoothing|detail|texture|background|foreground]
      [--figures] [--figure-photos NAME,NAME,...]
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
# (column key, table heading, `ismooth energy` arguments; M = --margin)
SCORES = [("dilate_spec", "E (dilation, spec)", ["--set", "dilate=1"]),
          ("no_dilate_spec", "E (no dilation, spec)", ["--set", "dilate=0"]),
          ("dilate_margin", "E (dilation, margin M)", ["--set", "dilate=1", "MARGIN"]),
          ("no_dilate_margin", "E (no dilation, margin M)", ["--set", "dilate=0", "MARGIN"]),
          ("l08", "E (p = 0.8 everywhere, edge term on: the shipped model's loss)",
           ["--energy", "l08", "--set", "lambda_e=0.1"])]
# The other presets fix their own dilation (docs/spec/energy.md §6).
PRESET_SCORES = [("spec", "E (adaptive, spec)", []),
                 ("margin", "E (adaptive, margin M)", ["MARGIN"]),
                 ("l08", "E (p = 0.8 everywhere, edge term on)",
                  ["--energy", "l08", "--set", "lambda_e=0.1"])]
PRESETS = ["smoothing", "detail", "texture", "background", "foreground"]


def scores_of(preset):
    return SCORES if preset == "smoothing" else PRESET_SCORES


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


def list_photos(folder, limit, tool):
    """The photos under folder (recursively, sorted by path), the first `limit` if > 0;
    exits naming `tool` when there are none."""
    photos = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if limit > 0:
        photos = photos[:limit]
    if not photos:
        sys.exit(f"{tool}: no photos under '{folder}'")
    return photos


def image_name(photo):
    """A photo's name in OUT: its folder and stem (photos of several sets share stems)."""
    return f"{photo.parent.name}--{photo.stem}"


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


def preset_args(ismooth, inp, args):
    """`--preset P` and, for the masked presets, `--mask` with the detected mask."""
    if args.preset == "smoothing":
        return []
    extra = ["--preset", args.preset]
    if args.preset in ("background", "foreground"):
        mask = inp.with_name("mask.png")
        if not mask.exists():
            tmp = inp.with_name("mask.tmp.png")
            run([ismooth, "saliency", str(inp), "--out", str(tmp)])
            os.replace(tmp, mask)
        extra += ["--mask", str(mask)]
    return extra


def produce(method, ismooth, inp, out_png, args):
    """Writes out_png for `method`; returns seconds (0 for identity)."""
    margin = ["--set", f"zero_guidance_margin={args.margin}"] + preset_args(ismooth, inp, args)
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
    for key, _, extra in scores_of(args.preset):
        extra = [a for x in extra for a in (
            ["--set", f"zero_guidance_margin={args.margin}"] if x == "MARGIN" else [x])]
        out, _ = run([ismooth, "energy", str(inp), str(result), "--json", *extra,
                      *preset_args(ismooth, inp, args)])
        report = json.loads(out)
        scores[key] = report["total"]
        if "l2_fraction" not in scores and "--energy" not in extra:
            scores["l2_fraction"] = report["l2_fraction"]
    return scores


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--model", default="", help="model file (default: ismooth's default model)")
    ap.add_argument("--ismooth", default=str(Path(__file__).resolve().parents[2] / "build" /
                                              "experiments" / "ismooth"))
    ap.add_argument("--short-side", type=int, default=256)
    ap.add_argument("--margin", type=float, default=10)
    ap.add_argument("--methods", default="",
                    help="comma-separated (default: all for smoothing, identity,cnn otherwise)")
    ap.add_argument("--preset", default="smoothing", choices=PRESETS)
    ap.add_argument("--figures", action="store_true")
    ap.add_argument("--figure-photos", default="",
                    help="comma-separated image names (OUT subfolders) for the figures")
    ap.add_argument("--limit", type=int, default=0,
                    help="only the first N photos (sorted by path); 0 = all")
    args = ap.parse_args()
    methods = [m for m in (args.methods or (",".join(METHODS) if args.preset == "smoothing"
                                            else "identity,cnn")).split(",") if m]
    score_keys = [key for key, _, _ in scores_of(args.preset)] + ["l2_fraction"]
    for m in methods:
        if m not in METHODS:
            sys.exit(f"evaluate_model: unknown method '{m}' (expected {', '.join(METHODS)})")
    photos = list_photos(args.photos, args.limit, "evaluate_model")
    args.out.mkdir(parents=True, exist_ok=True)
    rows, failures = [], 0
    for k, photo in enumerate(photos, 1):
        name = image_name(photo)
        out_dir = args.out / name
        out_dir.mkdir(exist_ok=True)
        inp = prepare(photo, out_dir, args.short_side)
        w, h = Image.open(inp).size
        for method in methods:
            record = out_dir / f"{method}.json"
            if record.exists():
                row = json.loads(record.read_text())
                if all(key in row for key in score_keys):
                    rows.append(row)
                    continue
                # An older record lacks a score: add it without redoing the result.
                row.update(score(args.ismooth, inp, out_dir / f"{method}.png", args))
                write_atomically(record, json.dumps(row))
                rows.append(row)
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
    keys = ["image", "width", "height", "method", "seconds"] + score_keys
    with open(args.out / "results.csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=keys)
        wr.writeheader()
        wr.writerows(rows)
    # Means over the images every method finished, so the rows compare alike.
    done = {m: {r["image"] for r in rows if r["method"] == m} for m in methods}
    common = set.intersection(*done.values()) if done else set()
    print(f"({len(common)} images with every method; per method finished: "
          + ", ".join(f"{m} {len(d)}" for m, d in done.items()) + ")")
    heads = [h.replace("margin M", f"margin {args.margin:g}") for _, h, _ in scores_of(args.preset)]
    heads.append("L2 fraction")
    print("| method | images | " + " | ".join(heads) + " | seconds / image |")
    print("|---|---|" + "---|" * len(heads) + "---|")
    for method in methods:
        sel = [r for r in rows if r["method"] == method and r["image"] in common]
        if not sel:
            continue
        mean = lambda key: sum(r[key] for r in sel) / len(sel)
        cells = " | ".join(f"{mean(k):.1f}" for k, _, _ in scores_of(args.preset))
        cells += f" | {mean('l2_fraction'):.3f}"
        print(f"| {method} | {len(sel)} | {cells} | {mean('seconds'):.2f} |")
    # The p = 0.8 energy does not reward doing nothing the way the adaptive
    # map's L2 mask does: on how many photos does the model beat T = I?
    if "identity" in methods and "cnn" in methods and common:
        by = {(r["image"], r["method"]): r for r in rows}
        below = sum(by[(n, "cnn")]["l08"] < by[(n, "identity")]["l08"] for n in common)
        print(f"cnn's p = 0.8 energy below T = I's on {below} of {len(common)} images")
    if args.figures:
        names = [n for n in args.figure_photos.split(",") if n] or sorted(common)[:3]
        figures(args, photos, names, methods)
    if failures:
        sys.exit(f"evaluate_model: {failures} result(s) failed")


def figures(args, photos, names, methods):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    shown = [m for m in methods if m != "cnn-raw"]
    fig, axes = plt.subplots(len(names), len(shown), figsize=(2.4 * len(shown), 1.9 * len(names)),
                             squeeze=False)
    for i, name in enumerate(names):
        for j, m in enumerate(shown):
            ax = axes[i][j]
            png = args.out / name / ("input.png" if m == "identity" else f"{m}.png")
            ax.imshow(Image.open(png), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title("input (T = I)" if m == "identity" else m, fontsize=9)
        axes[i][0].set_ylabel(name.split("--")[-1][:18], fontsize=7)
    fig.suptitle(f"Test photos at short side {args.short_side}: the model vs per-image solvers",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(args.out / "methods.png", dpi=100)
    plt.close(fig)

    by_name = {image_name(p): p for p in photos}
    model = ["--model", args.model] if args.model else []
    fig, axes = plt.subplots(len(names), 2, figsize=(6, 3 * len(names)), squeeze=False)
    for i, name in enumerate(names):
        src = args.out / name / "sample_input.png"
        out = args.out / name / "sample_cnn.png"
        if not out.exists():
            im = Image.open(by_name[name]).convert("RGB")
            s = 512 / min(im.size)
            if s < 1:
                im = im.resize((round(im.size[0] * s), round(im.size[1] * s)), Image.LANCZOS)
            im.save(src)
            run([args.ismooth, "smooth", str(src), str(out), *model])
        for j, png in enumerate((src, out)):
            im = Image.open(png)
            w, h = im.size
            c = min(256, w, h)
            im = im.crop(((w - c) // 2, (h - c) // 2, (w - c) // 2 + c, (h - c) // 2 + c))
            axes[i][j].imshow(im, interpolation="nearest")
            axes[i][j].set_xticks([])
            axes[i][j].set_yticks([])
            if i == 0:
                axes[i][j].set_title(["input (short side 512)", "ismooth smooth"][j], fontsize=9)
        axes[i][0].set_ylabel(name.split("--")[-1][:24], fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out / "samples.png", dpi=100)
    plt.close(fig)
    log(f"wrote {args.out / 'methods.png'} and {args.out / 'samples.png'}")


if __name__ == "__main__":
    main()
