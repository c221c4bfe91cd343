# ismooth.saliency, detail and stylize against `ismooth saliency`, `detail`
# and `stylize` on the same input (exact masks; images within 8-bit rounding).
import numpy as np
import pytest

import ismooth
from conftest import read_png, run_tool, write_png

ROUNDING = 0.5 + 1e-3


def test_saliency_matches_tool(tool, tmp_path, photo):
    src = write_png(tmp_path / "in.png", photo)
    run_tool(tool, "saliency", src, "--out", tmp_path / "mask.png", "--soft", tmp_path / "soft.png")
    mask = ismooth.saliency(photo)
    assert mask.dtype == np.bool_ and mask.shape == photo.shape[:2]
    np.testing.assert_array_equal(mask, read_png(tmp_path / "mask.png") == 255)
    assert 0 < mask.sum() < mask.size
    m2, soft = ismooth.saliency(photo, soft=True)
    np.testing.assert_array_equal(m2, mask)
    assert soft.dtype == np.float64 and soft.shape == mask.shape
    assert np.abs(soft * 255 - read_png(tmp_path / "soft.png")).max() <= ROUNDING
    np.testing.assert_array_equal(mask, soft > 0.5)
    # a threshold of its own, as --threshold
    run_tool(tool, "saliency", src, "--out", tmp_path / "m3.png", "--threshold", "0.3")
    np.testing.assert_array_equal(ismooth.saliency(photo, threshold=0.3),
                                  read_png(tmp_path / "m3.png") == 255)


@pytest.mark.parametrize("args, kwargs", [
    ([], {}),
    (["--method", "linear", "--factor", "2"], {"method": "linear", "factor": 2}),
    (["--smoother", "wls"], {"smoother": "wls"}),
])
def test_detail_matches_tool(tool, tmp_path, crop, args, kwargs):
    src = write_png(tmp_path / "in.png", crop)
    run_tool(tool, "detail", src, tmp_path / "out.png", *args)
    got = ismooth.detail(crop, **kwargs)
    assert got.dtype == np.float32 and got.shape == crop.shape
    assert np.abs(got - read_png(tmp_path / "out.png")).max() <= ROUNDING


@pytest.mark.parametrize("style", ["abstraction", "pencil", "pencil-colour"])
def test_stylize_matches_tool(tool, tmp_path, crop, style):
    src = write_png(tmp_path / "in.png", crop)
    run_tool(tool, "stylize", src, tmp_path / "out.png", "--style", style)
    got = ismooth.stylize(crop, style=style)
    assert got.dtype == np.float32 and got.shape == crop.shape
    assert np.abs(got - read_png(tmp_path / "out.png")).max() <= ROUNDING


def test_stylize_texture_matches_tool(tool, tmp_path, crop):
    src = write_png(tmp_path / "in.png", crop)
    run_tool(tool, "stylize", src, tmp_path / "out.png", "--style", "pencil", "--texture",
             "--seed", "7")
    got = ismooth.stylize(crop, style="pencil", seed=7, texture=True)
    assert np.abs(got - read_png(tmp_path / "out.png")).max() <= ROUNDING


def test_grey_input(crop):
    grey = crop[..., 1]
    assert ismooth.saliency(grey).shape == grey.shape
    assert ismooth.detail(grey, smoother="l0").shape == grey.shape
    assert ismooth.stylize(grey, style="pencil").shape == grey.shape


def test_errors(crop):
    with pytest.raises(ValueError, match="unknown style; expected abstraction"):
        ismooth.stylize(crop, style="oil")
    with pytest.raises(ValueError, match="finite number from 0 to 1000"):
        ismooth.detail(crop, factor=float("nan"))
    with pytest.raises(ValueError, match="finite number from 0 to 1000"):
        ismooth.detail(crop, factor=-1)
    with pytest.raises(ValueError, match="unknown detail method 'cubic'"):
        ismooth.detail(crop, method="cubic")
    with pytest.raises(ValueError, match="unknown smoother"):
        ismooth.detail(crop, smoother="median")
    with pytest.raises(ValueError, match="--model applies to --smoother model"):
        ismooth.stylize(crop, smoother="wls", model="smoothing")
    with pytest.raises(ValueError, match="threshold 1.5"):
        ismooth.saliency(crop, threshold=1.5)
    with pytest.raises(ValueError, match="at least 3x3"):
        ismooth.saliency(crop[:2, :2])
