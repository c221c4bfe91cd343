#!/usr/bin/python3
"""Independent numpy reference for the smoothing energy, docs/spec/energy.md §2–§5
(with the presets' guidance / edge-map rules of section 6 and the fixed
p maps of section 7).

Written from the specification text, not from the C++ headers, so that
tests/reference/check_energy_reference.py can compare `ismooth energy`
against it on real photographs. Everything is float64; the edge response is
computed from exact integer channel sums.

    E(T)  = E_d + lambda_f * E_f + lambda_e * E_e                   (Eq. 1)
    E_d   = 1/(3N) sum_i sum_c (T_ic - I_ic)^2                      (Eq. 2)
    E_i(X)= 1/6 sum_{j in N12(i)} |S_i - S_j|,  S = channel sum     (Eq. 3)
    E_e   = 1/N_e sum_i B_i (E_i(T) - G_i)^2,  N_e = sum B          (Eq. 4)
    E_f   = 1/(3N) sum_{i: B_i=0} sum_{j in W(i)} sum_c w_ij |T_ic - T_jc|^p_i
                                                                    (Eq. 5-8)
with G the guidance (E(I), possibly masked by a preset).

Usage as a program:
    energy_reference.py INPUT OUTPUT --edges B.png [--preset P] [--mask F.png]
                        [--energy adaptive|l2|l08|half] [--set key=value]...
prints one JSON object with the same keys as `ismooth energy --json`.
"""
import argparse
import json
import math

import numpy as np

# Paper defaults (docs/spec/energy.md §6).
DEFAULTS = dict(sigma_r=0.1, sigma_s=7.0, lambda_f=1.0, lambda_e=0.1, alpha=5.0,
                c1=20.0, c2=10.0, radius=10, p_large=2.0, p_small=0.8, dilate=True,
                colour_weight_floor=0.3)

# Section 6 table: window radius (h = 2r + 1), alpha, mask rule, dilation.
PRESETS = {
    "smoothing": dict(),
    "detail": dict(alpha=15.0, c1=math.inf, c2=0.0, dilate=False),
    "background": dict(radius=2, dilate=False),
    "foreground": dict(radius=1, dilate=False),
}


def params_for(preset, overrides=None):
    p = dict(DEFAULTS)
    p.update(PRESETS[preset])
    for key, value in (overrides or {}).items():
        if key not in p:
            raise KeyError(key)
        p[key] = value
    return p


def overlap(h, w, dy, dx):
    """(centre, neighbour) slices: every pixel i whose neighbour j = i + (dy, dx)
    lies inside the h x w image, and those neighbours."""
    cy = slice(max(0, -dy), h - max(0, dy))
    cx = slice(max(0, -dx), w - max(0, dx))
    ny = slice(max(0, dy), h - max(0, -dy))
    nx = slice(max(0, dx), w - max(0, -dx))
    return (cy, cx), (ny, nx)


# ------------------------------------------------------------- section 3
N12 = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)] + \
      [(-2, 0), (2, 0), (0, -2), (0, 2)]


def edge_response_sixths(rgb_u8):
    """6 * E(X) as an exact integer array: sum over N12 of |S_i - S_j|,
    neighbours outside the image skipped (not padded)."""
    s = rgb_u8.astype(np.int64).sum(axis=2)
    h, w = s.shape
    total = np.zeros((h, w), dtype=np.int64)
    for dy, dx in N12:
        c, n = overlap(h, w, dy, dx)
        total[c] += np.abs(s[c] - s[n])
    return total


def edge_response(rgb_u8):
    return edge_response_sixths(rgb_u8) / 6.0


# ------------------------------------------------------------- section 5
def yuv(rgb_u8):
    """YUV of the input with RGB in [0, 1] (Eq. 6)."""
    x = rgb_u8.astype(np.float64) / 255.0
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return np.stack([y, 0.492 * (b - y), 0.877 * (r - y)], axis=-1)


def dilate7(mask):
    """A pixel is in the result if any pixel of its 7x7 window (clipped to the
    image) is in `mask`."""
    h, w = mask.shape
    out = np.zeros_like(mask)
    for dy in range(-3, 4):
        for dx in range(-3, 4):
            c, n = overlap(h, w, dy, dx)
            out[c] |= mask[n]
    return out


def l2_mask(e_t6, guidance6, p, kind, dilate):
    """The L2 mask M (Eq. 8) or a fixed map of section 7. E(T) and G come as
    exact integer sixths (6E), so that ties such as E_i(T) - G_i = c2 exactly
    are decided exactly: (k_T - k_G)/6.0 is one correctly rounded operation
    on an exact integer, while k_T/6 - k_G/6 in floating point can land on
    either side of c2."""
    guidance = guidance6 / 6.0
    h, w = guidance.shape
    if kind == "l2":
        return np.ones((h, w), dtype=bool)
    if kind == "l08":
        return np.zeros((h, w), dtype=bool)
    if kind == "half":
        m = np.zeros((h, w), dtype=bool)
        m[:, : w // 2] = True  # left half L2 (x < W/2), right half L0.8
        return m
    assert kind == "adaptive", kind
    m = (guidance < p["c1"]) & ((e_t6 - guidance6) / 6.0 > p["c2"])
    m |= (guidance6 == 0) & (e_t6 > guidance6)  # zeroed guidance selects L2
    if dilate:
        m = dilate7(m)
    return m


def flattening(t_u8, i_u8, edges, mask, p):
    """E_f of Eq. 5 (without lambda_f): ordered pairs over the full window,
    centres with B_i = 0 only, each pair with the centre's p and weight."""
    t = t_u8.astype(np.float64)
    h, w, _ = t.shape
    n = h * w
    yuv_i = yuv(i_u8)
    r = int(p["radius"])
    two_ss2 = 2.0 * p["sigma_s"] ** 2
    two_sr2 = 2.0 * p["sigma_r"] ** 2
    centre_ok = edges == 0
    total = 0.0
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dy == 0 and dx == 0:
                continue  # T_i - T_i = 0 contributes nothing for p > 0
            c, nb = overlap(h, w, dy, dx)
            d = np.abs(t[c] - t[nb])  # (h', w', 3)
            ws = math.exp(-(dy * dy + dx * dx) / two_ss2)
            wr = np.exp(-((yuv_i[c] - yuv_i[nb]) ** 2).sum(axis=-1) / two_sr2)
            wr = np.where(wr < p["colour_weight_floor"], 0.0, wr)
            l2 = (p["alpha"] * ws) * (d ** p["p_large"]).sum(axis=-1)
            lp = wr * (d ** p["p_small"]).sum(axis=-1)
            per_centre = np.where(mask[c], l2, lp)
            total += per_centre[centre_ok[c]].sum()
    return total / (3.0 * n)


# ------------------------------------------------------------- sections 1-6
def guidance_and_edges(i_u8, edges, preset, foreground=None):
    """6G (exact integer sixths) and B of a preset, given the structure-edge
    map B (section 6)."""
    g = edge_response_sixths(i_u8)
    b = edges.astype(bool).copy()
    if preset in ("background", "foreground"):
        assert foreground is not None, "preset needs a foreground mask"
        keep = foreground.astype(bool) if preset == "background" else ~foreground.astype(bool)
        g = np.where(keep, g, 0)
        b &= keep
    else:
        assert preset in ("smoothing", "detail"), preset
    return g, b


def energy(i_u8, t_u8, edges, preset="smoothing", overrides=None, kind="adaptive",
           foreground=None):
    """All terms as `ismooth energy --json` reports them."""
    p = params_for(preset, overrides)
    if kind != "adaptive" and "lambda_e" not in (overrides or {}):
        p["lambda_e"] = 0.0  # the solver study drops the edge term (section 7)
    assert i_u8.shape == t_u8.shape and i_u8.shape[:2] == edges.shape
    h, w, _ = i_u8.shape
    n = h * w
    g6, b = guidance_and_edges(i_u8, edges, preset, foreground)
    e_t6 = edge_response_sixths(t_u8)

    diff = t_u8.astype(np.float64) - i_u8.astype(np.float64)
    data = float((diff ** 2).sum() / (3.0 * n))

    n_e = int(b.sum())
    edge = float(((((e_t6 - g6) / 6.0) ** 2)[b]).sum() / n_e) if n_e > 0 else 0.0

    m = l2_mask(e_t6, g6, p, kind, p["dilate"])
    flatten = float(flattening(t_u8, i_u8, b, m, p))

    total = data + p["lambda_f"] * flatten + p["lambda_e"] * edge
    return dict(data=data, flatten=flatten, edge=edge, total=total, edge_pixels=n_e,
                l2_fraction=float(m.sum()) / n, lambda_f=p["lambda_f"],
                lambda_e=p["lambda_e"])


# ------------------------------------------------------------- command line
def parse_value(key, text):
    if key == "radius":
        return int(text)
    if key == "dilate":
        return text == "1"
    return float(text)


def load_rgb(path):
    from PIL import Image
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)


def load_mask(path):
    from PIL import Image
    im = Image.open(path)
    a = np.asarray(im)
    if a.ndim == 3:
        a = a[..., 0]
    return (a > 127).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--edges", required=True)
    ap.add_argument("--preset", default="smoothing", choices=sorted(PRESETS))
    ap.add_argument("--mask")
    ap.add_argument("--energy", default="adaptive", choices=["adaptive", "l2", "l08", "half"])
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    overrides = {}
    for s in a.set:
        k, v = s.split("=", 1)
        overrides[k] = parse_value(k, v)
    fg = load_mask(a.mask) if a.mask else None
    print(json.dumps(energy(load_rgb(a.input), load_rgb(a.output), load_mask(a.edges),
                            a.preset, overrides, a.energy, fg)))


if __name__ == "__main__":
    main()
