#!/usr/bin/python3
"""plot_trace.py -- energy curves of solver traces (Summary CSV files).

Usage: plot_trace.py OUT.png TRACE.csv [TRACE.csv ...] [--labels "A;B"] [--x iteration|seconds]
       [--terms] [--log] [--title TEXT]

Each TRACE is a Summary written by summary_csv (include/ismooth/summary_io.hpp):
`ismooth solve --trace`, write_summary_csv, or the write_trace callback
(callbacks.hpp). A first line "# solver,termination,message,seconds[,returned]"
is optional; it names the curve and marks the returned iterate. Drawn: the
exact energy of every record against the iteration (or wall time), the
lowest one marked; with --terms also each part of a WeightedSum (columns
"term:NAME") and the paper's data/flatten/edge terms where present, in
broken lines of the curve's colour (unweighted values, as in the records).
Installed beside the library as share/ismooth/plot_trace.py.
"""
import argparse
import csv
import math
import sys


def read_trace(path):
    try:
        with open(path, newline="") as f:
            lines = f.read().splitlines()
    except OSError as e:
        sys.exit(f"plot_trace: cannot read '{path}': {e.strerror}")
    head = {}
    if lines and lines[0].startswith("# "):
        cells = lines[0][2:].split(",")
        head = {"solver": cells[0] if cells else "",
                "returned": int(cells[4]) if len(cells) > 4 and cells[4] else None}
        lines = lines[1:]
    rows = list(csv.DictReader(lines))
    if not rows or "energy" not in rows[0] or "iteration" not in rows[0]:
        sys.exit(f"plot_trace: '{path}' is not a summary CSV (no iteration/energy columns)")

    def number(v):
        try:
            return float(v) if v not in ("", None) else math.nan
        except ValueError:
            return math.nan

    columns = {k: [number(r[k]) for r in rows] for k in rows[0]}
    return head, columns


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--labels", default="", help="curve names separated by ';'")
    ap.add_argument("--x", choices=["iteration", "seconds"], default="iteration")
    ap.add_argument("--terms", action="store_true", help="also draw per-part and paper terms")
    ap.add_argument("--log", action="store_true", help="logarithmic energy axis")
    ap.add_argument("--title", default="ismooth: energy per iteration")
    a = ap.parse_args()
    labels = a.labels.split(";") if a.labels else []
    if labels and len(labels) != len(a.traces):
        sys.exit(f"plot_trace: {len(labels)} labels for {len(a.traces)} traces")
    traces = [read_trace(p) for p in a.traces]

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, (path, (head, c)) in enumerate(zip(a.traces, traces)):
        label = labels[k] if labels else (head.get("solver") or path)
        x, e = c[a.x], c["energy"]
        line, = ax.plot(x, e, label=label)
        finite = [(v, i) for i, v in enumerate(e) if math.isfinite(v)]
        if finite:
            v, i = min(finite)
            ax.plot([x[i]], [v], "o", color=line.get_color())
        if a.terms:
            names = [n for n in c if n.startswith("term:")]
            names += [n for n in ("data", "flatten", "edge") if any(map(math.isfinite, c[n]))]
            styles = ["--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3))]
            for j, n in enumerate(names):
                ax.plot(x, c[n], linestyle=styles[j % len(styles)], color=line.get_color(),
                        alpha=0.7, label=f"{label}: {n}")
    ax.set_xlabel("iteration" if a.x == "iteration" else "seconds")
    ax.set_ylabel("energy (exact, 0-255 scale)")
    if a.log:
        ax.set_yscale("log")
    ax.set_title(a.title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    try:
        fig.savefig(a.out, dpi=120)
    except OSError as e:
        sys.exit(f"plot_trace: cannot write '{a.out}': {e.strerror}")


if __name__ == "__main__":
    main()
