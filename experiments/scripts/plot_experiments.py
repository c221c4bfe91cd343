#!/usr/bin/python3
"""Figures of the experiment drivers (`ismooth experiment NAME`).

    plot_experiments.py fig6|adaptive|fig5_7|fig9|table1|fig10|fig11|fig12|fig13 DIR

reads the CSV files the driver wrote into DIR and writes DIR/NAME.png. Runs
under Debian's /usr/bin/python3 with python3-matplotlib (no other module).
"""
import csv
import math
import os
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.image as mpimg  # noqa: E402

SOLVER_STYLE = {
    "irls": dict(color="tab:blue", marker="o", label="IRLS"),
    "adam": dict(color="tab:orange", marker="", label="Adam"),
    "lbfgs": dict(color="tab:green", marker="", label="L-BFGS (Ceres)"),
    "cnn": dict(color="black", marker="", label="CNN (trained, one pass)"),
    "cnn-overfit": dict(color="tab:red", marker="", label="CNN over-fitted on the image"),
}
MAP_TITLE = {"l2": "all-L2", "l08": "all-L0.8", "half": "left L2 / right L0.8",
             "adaptive": "adaptive p (Eq. 8)"}


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def mean_curve(runs):
    """Mean energy per iteration; runs that stopped early are held at their last value."""
    n = max(len(r) for r in runs)
    return [sum(r[min(k, len(r) - 1)] for r in runs) / len(runs) for k in range(n)]


def group(rows, keys, value="energy"):
    out = {}
    for row in rows:
        k = tuple(row[x] for x in keys)
        out.setdefault(k, {}).setdefault(row["image"], []).append(float(row[value]))
    return out


def fig6(d):
    rows = read_csv(os.path.join(d, "records.csv"))
    g = group(rows, ["energy_map", "solver"])
    maps = [m for m in ["l2", "l08", "half"] if any(k[0] == m for k in g)]
    nimg = len({r["image"] for r in rows})
    # The plotted means, for readers without the per-run records.
    with open(os.path.join(d, "mean_curves.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["energy_map", "solver", "images", "iteration", "mean_energy"])
        for (m, solver), runs in sorted(g.items()):
            for k, e in enumerate(mean_curve(list(runs.values()))):
                w.writerow([m, solver, len(runs), k, "%.9g" % e])
    fig, axes = plt.subplots(1, len(maps), figsize=(5.2 * len(maps), 4.2), squeeze=False)
    for ax, m in zip(axes[0], maps):
        longest = 1
        for solver, style in SOLVER_STYLE.items():
            if (m, solver) not in g:
                continue
            curve = mean_curve(list(g[(m, solver)].values()))
            if solver == "cnn":
                ax.axhline(curve[0], color=style["color"], ls="--", label=style["label"])
                continue
            longest = max(longest, len(curve))
            ax.plot(range(len(curve)), curve, color=style["color"], marker=style["marker"],
                    ms=3, label=style["label"])
        ax.set_xscale("symlog", linthresh=1)
        ax.set_yscale("log")
        ax.set_xlim(0, longest)
        ax.set_xlabel("iteration (0 = input; symlog scale)")
        ax.set_ylabel("mean energy E (0-255 scale)")
        ax.set_title(MAP_TITLE.get(m, m))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Fig. 6 (reproduction): energy vs iteration, edge term off, mean of %d images"
                 % nimg)
    fig.tight_layout()
    fig.savefig(os.path.join(d, "fig6.png"), dpi=90)


def adaptive(d):
    rows = read_csv(os.path.join(d, "records.csv"))
    e = group(rows, ["solver"])
    l2 = group(rows, ["solver"], "l2_fraction")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (solver,), runs in e.items():
        st = SOLVER_STYLE.get(solver, dict(color=None, marker="", label=solver))
        c = mean_curve(list(runs.values()))
        a1.plot(range(len(c)), c, color=st["color"], marker=st["marker"], ms=3, label=st["label"])
        for k, (img, r) in enumerate(l2[(solver,)].items()):
            a2.plot(range(len(r)), r, color=st["color"], alpha=0.8, lw=1,
                    label=st["label"] if k == 0 else None)
    a1.set_xscale("symlog", linthresh=1)
    a1.set_yscale("log")
    a1.set_xlabel("iteration (symlog scale)")
    a1.set_ylabel("mean energy E")
    a1.set_title("energy under the adaptive p map")
    a2.set_xscale("symlog", linthresh=1)
    a2.set_xlabel("iteration (symlog scale)")
    a2.set_ylabel("fraction of pixels in the L2 mask")
    a2.set_title("L2-mask fraction, one line per image")
    for a in (a1, a2):
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=8)
    fig.suptitle("Sec. 5.3 (reproduction): does the adaptive p map stabilise?")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "adaptive.png"), dpi=90)


def add_inset(ax, img):
    """A 2x zoom of the central quarter in the lower-right corner, outlined."""
    h, w = img.shape[:2]
    y0, x0, hh, ww = h * 3 // 8, w * 3 // 8, max(1, h // 4), max(1, w // 4)
    crop = img[y0:y0 + hh, x0:x0 + ww]
    ins = ax.inset_axes([0.6, 0.0, 0.4, 0.4])
    ins.imshow(crop, interpolation="nearest")
    ins.set_xticks([])
    ins.set_yticks([])
    for s in ins.spines.values():
        s.set_edgecolor("yellow")
    ax.add_patch(matplotlib.patches.Rectangle((x0, y0), ww, hh, fill=False, ec="yellow", lw=0.8))


def fig5_7(d):
    rows = read_csv(os.path.join(d, "cells.csv"))
    maps = list(dict.fromkeys(r["row"] for r in rows))
    solvers = list(dict.fromkeys(r["column"] for r in rows))
    cells = {(r["row"], r["column"]): r for r in rows}
    inp = mpimg.imread(os.path.join(d, "cells", "input.png"))
    fig, axes = plt.subplots(len(maps), len(solvers) + 1,
                             figsize=(2.6 * (len(solvers) + 1), 2.6 * len(maps)), squeeze=False)
    for i, m in enumerate(maps):
        for j in range(len(solvers) + 1):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.imshow(inp)
                add_inset(ax, inp)
                ax.set_ylabel(MAP_TITLE.get(m, m), fontsize=9)
                if i == 0:
                    ax.set_title("input", fontsize=9)
                continue
            c = cells.get((m, solvers[j - 1]))
            if c is None:
                continue
            img = mpimg.imread(os.path.join(d, c["file"]))
            ax.imshow(img)
            add_inset(ax, img)
            label = SOLVER_STYLE.get(solvers[j - 1], {}).get("label", solvers[j - 1])
            ax.set_title("%s\nE = %.4g" % (label if i == 0 else solvers[j - 1],
                                           float(c["energy"])), fontsize=8)
    fig.suptitle("Fig. 5 / Fig. 7 (reproduction): solver x p setting (edge term off)")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "fig5_7.png"), dpi=80)


def fig9(d):
    rows = read_csv(os.path.join(d, "summary.csv"))
    res = [r for r in read_csv(os.path.join(d, "results.csv")) if r["file"]]
    les = sorted({float(r["lambda_e"]) for r in res})
    lfs = sorted({float(r["lambda_f"]) for r in res})
    fig = plt.figure(figsize=(2.5 * (len(lfs) + 2), 2.5 * len(les) + 0.6))
    gs = fig.add_gridspec(len(les), len(lfs) + 2)
    mean = {(float(r["lambda_e"]), float(r["lambda_f"]), r["residual"]): r for r in rows}
    for r in res:
        le, lf = float(r["lambda_e"]), float(r["lambda_f"])
        if r["residual"] == "1":
            ax = fig.add_subplot(gs[les.index(le), lfs.index(lf)])
            title = "λe=%g λf=%g" % (le, lf)
        else:
            ax = fig.add_subplot(gs[1, len(lfs)])
            title = "no residual\nλe=%g λf=%g" % (le, lf)
        m = mean[(le, lf, r["residual"])]
        ax.imshow(mpimg.imread(os.path.join(d, r["file"])))
        ax.set_title("%s\nshift %.2f, E %.3g" % (title, float(m["mean_colour_shift"]),
                                                 float(m["mean_energy"])), fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    ax = fig.add_subplot(gs[0, len(lfs)])
    ax.imshow(mpimg.imread(os.path.join(d, "cells", "input.png")))
    ax.set_title("input", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax = fig.add_subplot(gs[:, len(lfs) + 1])
    labels = ["λe=%g λf=%g%s" % (float(r["lambda_e"]), float(r["lambda_f"]),
                                 "" if r["residual"] == "1" else " no-res") for r in rows]
    ax.barh(range(len(rows)), [float(r["mean_colour_shift"]) for r in rows], color="tab:purple")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("mean colour shift\n|mean(T) - mean(I)|, 0-255", fontsize=8)
    ax.set_title("colour attenuation", fontsize=8)
    fig.suptitle("Fig. 9 (reproduction): λe / λf grid and residual-learning ablation "
                 "(raw CNN output, mean over test images)")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "fig9.png"), dpi=80)


def table1(d):
    rows = read_csv(os.path.join(d, "table1.csv"))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    sizes = list(dict.fromkeys(r["size"] for r in rows))
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(sizes)
    for j, s in enumerate(sizes):
        xs, ys = [], []
        for i, m in enumerate(methods):
            r = next(x for x in rows if x["method"] == m and x["size"] == s)
            if r["status"] == "ok" and r["seconds_default"]:
                xs.append(i + j * width)
                ys.append(float(r["seconds_default"]))
            else:
                ax.text(i + j * width, 1e-4, r["status"][:13], rotation=90, fontsize=6,
                        va="bottom", ha="center")
        ax.bar(xs, ys, width=width, label=s)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(methods))])
    ax.set_xticklabels(["%s (%s it.)" % (m, r) if r != "1" else m for m, r in
                        ((m, next(x for x in rows if x["method"] == m)["iterations_default"])
                         for m in methods)], rotation=30, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(bottom=1e-4)
    ax.set_ylabel("seconds per image\n(solvers: default count, estimated)")
    ax.legend(title="size")
    ax.grid(True, axis="y", which="both", alpha=0.3)
    machine = open(os.path.join(d, "machine.txt")).readline().strip()
    ax.set_title("Table 1 (reproduction): running time\n" + machine, fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(d, "table1.png"), dpi=80)


def draw_cell(ax, d, f, status="not installed"):
    """One cell image of a driver (a file under d, grey for masks), or its
    status ('not installed', 'not shipped'); f None and no status: blank."""
    ax.set_xticks([])
    ax.set_yticks([])
    if f:
        img = mpimg.imread(os.path.join(d, f))
        ax.imshow(img, cmap="gray", vmin=0, vmax=1) if img.ndim == 2 else ax.imshow(img)
    elif status:
        ax.text(0.5, 0.5, status, ha="center", va="center", fontsize=8)
    else:
        ax.axis("off")


def image_grid(d, rows, columns, titles, name, title, cells):
    """A grid of the driver's cell images: rows x columns, None = empty."""
    fig, axes = plt.subplots(len(rows), len(columns),
                             figsize=(2.2 * len(columns), 2.2 * len(rows)), squeeze=False)
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            ax = axes[i][j]
            cell = cells.get((r, c), (None, ""))
            if isinstance(cell, tuple):  # (file, status) from a cells.csv with status
                draw_cell(ax, d, *cell)
            else:
                draw_cell(ax, d, cell)
            if i == 0:
                ax.set_title(titles.get(c, c), fontsize=8)
            if j == 0:  # photo names are long: package_file
                ax.set_ylabel("\n".join(textwrap.wrap(r.split("_", 1)[-1], 18)), fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(os.path.join(d, name + ".png"), dpi=90)


def fig10(d):
    rows = read_csv(os.path.join(d, "cells.csv"))
    images = list(dict.fromkeys(r["image"] for r in rows))[:3]
    cells = {(r["image"], r["column"]): r["file"] for r in rows}
    columns = ["input", "edges"] + ["%s_%s" % (s, m) for s in ("abstraction", "pencil")
                                    for m in ("ours", "wls", "l0")]
    titles = {"edges": "structure edges B"}
    for c in columns[2:]:
        s, m = c.split("_")
        titles[c] = "%s\n%s" % (s, {"ours": "ours", "wls": "WLS", "l0": "L0"}[m])
    image_grid(d, images, columns, titles, "fig10",
               "Fig. 10 (reproduction): abstraction and pencil drawing on three smoothers", cells)


def fig11(d):
    rows = read_csv(os.path.join(d, "results.csv"))
    summary = read_csv(os.path.join(d, "summary.csv"))
    first = rows[0]["image"]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    label = {"ours": "ours", "wls": "WLS", "l0": "L0", "bilateral": "BLF", "fgs": "FGS"}
    cells = {}
    for r in rows:
        if r["image"] != first or r["status"] != "ok":
            continue
        cells[("base", r["method"])] = r["base_file"]
        cells[(r["boost"], r["method"])] = r["file"]
    boosts = list(dict.fromkeys(r["boost"] for r in rows))
    fig = plt.figure(figsize=(2.2 * len(methods), 2.2 * (len(boosts) + 1) + 2.6))
    grid = fig.add_gridspec(len(boosts) + 2, len(methods))
    for i, r in enumerate(["base"] + boosts):
        for j, m in enumerate(methods):
            ax = fig.add_subplot(grid[i, j])
            draw_cell(ax, d, cells.get((r, m)))
            if i == 0:
                ax.set_title(label.get(m, m), fontsize=9)
            if j == 0:
                ax.set_ylabel(r, fontsize=8)
    for k, (key, what) in enumerate((("mean_reversal_fraction", "gradient reversals (%)"),
                                     ("mean_overshoot", "overshoot (grey levels)"))):
        ax = fig.add_subplot(grid[len(boosts) + 1, k * (len(methods) // 2):(k + 1) * (len(methods) // 2) + k])
        for bi, b in enumerate(boosts):
            xs, ys = [], []
            for j, m in enumerate(methods):
                s = [r for r in summary if r["method"] == m and r["boost"] == b and r["status"] == "ok"]
                if s:
                    xs.append(j + 0.4 * bi)
                    ys.append(float(s[0][key]) * (100 if key == "mean_reversal_fraction" else 1))
            ax.bar(xs, ys, width=0.4, label=b)
        ax.set_xticks([j + 0.2 for j in range(len(methods))])
        ax.set_xticklabels([label.get(m, m) for m in methods], fontsize=8)
        ax.set_title(what, fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Fig. 11 (reproduction): detail magnification, first test image; "
                 "measures: means over all")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "fig11.png"), dpi=90)


def status_cells(d):
    """cells.csv of fig12/fig13 (image,column,status,file): the images and
    the columns in first-seen order, {(image, column): (file, status)}."""
    rows = read_csv(os.path.join(d, "cells.csv"))
    images = list(dict.fromkeys(r["image"] for r in rows))
    columns = list(dict.fromkeys(r["column"] for r in rows))
    cells = {(r["image"], r["column"]): (r["file"], "" if r["status"] == "ok" else r["status"])
             for r in rows}
    return images, columns, cells


def scene_and_photo_rows(images, photos):
    """The synthetic scene's row, then the first `photos` photos."""
    return [i for i in images if i.startswith("scene")] + \
        [i for i in images if not i.startswith("scene")][:photos]


def fig12(d):
    images, columns, cells = status_cells(d)
    first = ["input", "structure", "model_texture", "model_smoothing"]
    columns = [c for c in first if c in columns] + [c for c in columns if c not in first]
    scores = {r["method"]: r for r in read_csv(os.path.join(d, "summary.csv"))}
    titles = {"model_texture": "texture model", "model_smoothing": "smoothing model",
              "adam_texture": "Adam, texture\nenergy", "adam_smoothing": "Adam, smoothing\nenergy",
              "rgf": "rolling guidance", "btf": "bilateral texture", "l0": "L0", "wls": "WLS",
              "structure": "clean structure"}
    for c in columns:
        t = titles.get(c, c)
        s = scores.get(c)
        if s and s["status"] == "ok":
            t += "\n%.1f dB, edges %.2f" % (float(s["mean_psnr"]), float(s["mean_edge_keeping"]))
        titles[c] = t
    image_grid(d, scene_and_photo_rows(images, 3), columns, titles, "fig12",
               "Fig. 12 (reproduction): texture removal; first synthetic scene (titles: means "
               "over all scenes) and test photos", cells)


def fig13(d):
    images, columns, cells = status_cells(d)
    first = ["input", "true_mask", "mask_saliency", "mask_spectral_residual", "model_background",
             "foreground_enhanced", "model_smoothing", "adam_background_detected",
             "adam_foreground_enhanced"]
    columns = [c for c in first if c in columns] + [c for c in columns if c not in first]
    titles = {"true_mask": "true subject", "mask_saliency": "detected mask\n(MB+, ours)",
              "mask_spectral_residual": "spectral residual\n(OpenCV)",
              "model_background": "background\nsmoothing", "foreground_enhanced":
              "foreground\nenhancement", "model_smoothing": "smoothing model",
              "model_foreground": "foreground model\n(its base)",
              "adam_background_oracle": "Adam, background\nenergy, true mask",
              "adam_background_detected": "Adam, background\nenergy, detected mask",
              "adam_foreground_oracle": "Adam, foreground\nenergy, true mask",
              "adam_foreground_enhanced": "Adam, foreground energy,\ndetected mask, enhanced",
              "adam_smoothing": "Adam, smoothing\nenergy", "l0": "L0"}
    image_grid(d, scene_and_photo_rows(images, 4), columns, titles, "fig13",
               "Fig. 13 (reproduction): content-aware smoothing; first synthetic scene and test "
               "photos", cells)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("fig6", "adaptive", "fig5_7", "fig9", "table1",
                                                 "fig10", "fig11", "fig12", "fig13"):
        sys.exit("Usage: plot_experiments.py "
                 "fig6|adaptive|fig5_7|fig9|table1|fig10|fig11|fig12|fig13 DIR")
    globals()[sys.argv[1]](sys.argv[2])
    print("wrote %s" % os.path.join(sys.argv[2], sys.argv[1] + ".png"))


if __name__ == "__main__":
    main()
