# ismooth.edges and ismooth.energy against `ismooth edges` / `ismooth energy
# --json` on the same files: edge maps equal, energies equal bit for bit
# (the tool prints 17 significant digits, which read back exactly).
import numpy as np
import pytest

import ismooth
from conftest import read_png, tool_json, run_tool, write_png

KEYS = ["data", "flatten", "edge", "total", "edge_pixels", "l2_fraction", "lambda_f", "lambda_e"]


def smoothed(image):
    """A plausible output T: a 3 x 3 box blur, rounded to 8 bits."""
    f = image.astype(np.float64)
    p = np.pad(f, ((1, 1), (1, 1), (0, 0)), mode="edge")
    out = sum(p[dy:dy + f.shape[0], dx:dx + f.shape[1]] for dy in range(3) for dx in range(3)) / 9
    return np.round(out).astype(np.uint8)


@pytest.mark.parametrize("texture", [False, True])
def test_edges_match_tool(tool, tmp_path, photo, texture):
    src = write_png(tmp_path / "in.png", photo)
    run_tool(tool, "edges", src, "--out", tmp_path / "b.png", *(["--texture"] if texture else []))
    expected = read_png(tmp_path / "b.png") > 127
    got = ismooth.edges(photo, texture=texture)
    assert got.dtype == np.bool_ and got.shape == photo.shape[:2]
    assert 0 < got.sum() < got.size
    np.testing.assert_array_equal(got, expected)


CASES = [
    dict(),
    dict(preset="detail"),
    dict(energy="l2"),
    dict(energy="l08", sigma_r=0.2, radius=3),
    dict(preset="texture", alpha=10.5, dilate=False, gradient="clipped"),
    dict(lambda_e=0.25, c1=float("inf"), zero_guidance_margin=1e-3),
]


def tool_flags(case):
    flags = []
    for key, value in case.items():
        if key in ("preset", "energy"):
            flags += [f"--{key}", value]
        else:
            text = repr(value) if isinstance(value, float) else str(int(value) if isinstance(value, bool) else value)
            flags += ["--set", f"{key}={text}"]
    return flags


@pytest.mark.parametrize("case", CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_energy_matches_tool_bit_for_bit(tool, tmp_path, photo, case):
    out = smoothed(photo)
    a, b = write_png(tmp_path / "i.png", photo), write_png(tmp_path / "t.png", out)
    expected = tool_json(tool, "energy", a, b, "--json", *tool_flags(case))
    got = ismooth.energy(photo, out, **case)
    for key in KEYS:
        assert got[key] == expected[key], key  # exact: same doubles
    assert isinstance(got["edge_pixels"], int)
    assert got["total"] > 0 and got["data"] > 0
    assert got["preset"] == expected["preset"] and got["energy"] == expected["energy"]


def test_energy_edges_and_mask_match_tool(tool, tmp_path, photo):
    out = smoothed(photo)
    edges = np.zeros(photo.shape[:2], bool)
    edges[40:60, 30:90] = True
    mask = np.zeros(photo.shape[:2], bool)
    mask[:, :64] = True
    a, b = write_png(tmp_path / "i.png", photo), write_png(tmp_path / "t.png", out)
    write_png(tmp_path / "b.png", edges * 255)
    write_png(tmp_path / "f.png", mask * 255)
    e1 = tool_json(tool, "energy", a, b, "--json", "--edges", tmp_path / "b.png")
    assert ismooth.energy(photo, out, edges=edges)["total"] == e1["total"]
    assert e1["edge_pixels"] == edges.sum()
    e2 = tool_json(tool, "energy", a, b, "--json", "--preset", "background", "--mask", tmp_path / "f.png")
    got = ismooth.energy(photo, out, preset="background", mask=mask.astype(np.uint8))
    assert [got[k] for k in KEYS] == [e2[k] for k in KEYS]


def test_identity_has_no_data_or_edge_energy(photo):
    e = ismooth.energy(photo, photo)
    assert e["data"] == 0 and e["edge"] == 0 and e["flatten"] > 0
    assert e["total"] == e["flatten"]


def test_layouts_give_the_same_energy(photo):
    out = smoothed(photo)
    reference = ismooth.energy(photo, out)
    as_float = ismooth.energy(photo.astype(np.float32), out.astype(np.float64))
    strided = np.zeros((photo.shape[0], photo.shape[1] * 2, 3), np.uint8)
    strided[:, ::2] = photo
    fortran = np.asfortranarray(out)
    assert as_float == reference
    assert ismooth.energy(strided[:, ::2], fortran) == reference


def test_grey_is_rgb_with_equal_channels(photo):
    grey = photo[..., 1]
    rgb = np.repeat(grey[..., None], 3, axis=2)
    assert ismooth.energy(grey, grey) == ismooth.energy(rgb, rgb)
    np.testing.assert_array_equal(ismooth.edges(grey), ismooth.edges(rgb))
