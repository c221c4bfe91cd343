#!/usr/bin/python3
"""plot_training.py -- training and validation energy curves of `ismooth train`.

Usage: experiments/scripts/plot_training.py OUT.png LOG.csv [LOG.csv ...] [--labels "A;B"]
       [--title TEXT] [--ylabel TEXT] [--overlay] [--validation-only]

Each LOG is the per-iteration CSV of one `ismooth train --log` run (a run
resumed with a fresh --log: concatenate its logs first); several
logs (e.g. a warm start on one energy, then fine-tuning on another) are drawn
one after the other on a common step axis, separated by a dotted line
(--overlay: each from step 0, to compare runs). Drawn:
the exact energy of each training crop (light), its running median over 100
steps, and the mean validation energy at epoch ends (markers).
"""
import argparse
import csv
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"plot_training: '{path}' has no rows")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--labels", default="")
    ap.add_argument("--title", default="ismooth default model: training")
    ap.add_argument("--reference", type=float, default=None,
                    help="draw this energy as a horizontal line (e.g. E(T = I) on validation)")
    ap.add_argument("--ylabel", default="exact energy (smoothing preset terms)")
    ap.add_argument("--overlay", action="store_true", help="every run from step 0")
    ap.add_argument("--validation-only", action="store_true", help="no training-crop curves")
    args = ap.parse_args()
    labels = args.labels.split(";") if args.labels else [f"run {k + 1}" for k in
                                                         range(len(args.logs))]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    offset = 0
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
    for k, path in enumerate(args.logs):
        rows = read(path)
        steps = [offset + int(r["iteration"]) for r in rows]
        energy = [float(r["energy"]) for r in rows]
        c = colours[k % len(colours)]
        if not args.validation_only:
            ax.plot(steps, energy, color=c, alpha=0.12, linewidth=0.5)
            window = 100
            med = [statistics.median(energy[max(0, i - window + 1):i + 1])
                   for i in range(len(energy))]
            ax.plot(steps, med, color=c, label=f"{labels[k]}: training crop (median of 100)")
        val = [(s, float(r["val_energy"])) for s, r in zip(steps, rows) if r.get("val_energy")]
        if val:
            ax.plot([v[0] for v in val], [v[1] for v in val], "o-", color=c, markersize=3,
                    markeredgecolor="black", linewidth=1,
                    label=f"{labels[k]}: validation mean (18 photos)")
        if k > 0 and not args.overlay:
            ax.axvline(offset, color="grey", linestyle=":")
        offset = 0 if args.overlay else steps[-1]
    if args.reference is not None:
        ax.axhline(args.reference, color="black", linestyle="--", linewidth=1,
                   label=f"validation mean at T = I ({args.reference:g})")
    ax.set_xlabel("training step (batch of one 224 x 224 crop)")
    ax.set_ylabel(args.ylabel)
    ax.set_yscale("log")
    ax.set_title(args.title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"plot_training: wrote {args.out}")


if __name__ == "__main__":
    main()
