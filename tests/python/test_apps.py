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


# Each style parameter against its flag: (style, keywords, flags).
STYLE_PARAMETERS = [
    ("abstraction", dict(levels=3), ["--levels", "3"]),
    ("abstraction", dict(quantise_sharpness=0.5), ["--quantise-sharpness", "0.5"]),
    ("abstraction", dict(edge_sigma=2.5), ["--edge-sigma", "2.5"]),
    ("abstraction", dict(edge_threshold=0.9), ["--edge-threshold", "0.9"]),
    ("abstraction", dict(edge_sharpness=20), ["--edge-sharpness", "20"]),
    ("pencil", dict(stroke_length=3), ["--stroke-length", "3"]),
    ("pencil", dict(stroke_width=0), ["--stroke-width", "0"]),
    ("pencil", dict(directions=3), ["--directions", "3"]),
    ("pencil", dict(stroke_exponent=0.5), ["--stroke-exponent", "0.5"]),
    ("pencil", dict(texture=True, theta=5), ["--texture", "--theta", "5"]),
    ("pencil-colour", dict(texture=True, seed=11), ["--texture", "--seed", "11"]),
]


@pytest.fixture(scope="module")
def style_defaults(tmp_path_factory, crop):
    """Each style's output with its defaults (texture on for the keywords
    that act on it), to see that a parameter changes it."""
    return {(style, texture): ismooth.stylize(crop, style=style, texture=texture)
            for style in ["abstraction", "pencil", "pencil-colour"] for texture in [False, True]}


@pytest.mark.parametrize("style, kwargs, flags", STYLE_PARAMETERS,
                         ids=[",".join(p[1]) for p in STYLE_PARAMETERS])
def test_style_parameter_matches_flag(tool, tmp_path, crop, style_defaults, style, kwargs, flags):
    src = write_png(tmp_path / "in.png", crop)
    run_tool(tool, "stylize", src, tmp_path / "out.png", "--style", style, *flags)
    got = ismooth.stylize(crop, style=style, **kwargs)
    assert np.abs(got - read_png(tmp_path / "out.png")).max() <= ROUNDING
    default = style_defaults[(style, kwargs.get("texture", False))]
    assert np.abs(got - default).max() > 1  # the parameter changes the drawing


@pytest.mark.parametrize("kwargs, message", [
    (dict(levels=1), "^levels 1: out of range; expected an integer from 2 to 256"),
    (dict(levels=2.5), "^levels 2.5: .*not an integer"),
    (dict(levels="8"), "^levels='8': expected a number, got str"),
    (dict(edge_threshold=0), "^edge_threshold 0: out of range; expected a number above 0"),
    (dict(edge_sigma=float("nan")), "^edge_sigma nan"),
    (dict(stroke_length=0), "^stroke_length 0: out of range"),
    (dict(directions=100), "^directions 100: out of range"),
    (dict(theta=0), "^theta 0: out of range"),
    (dict(seed=-1), "^seed -1: out of range"),
    (dict(smoother="wls", model="smoothing"), "^model applies to smoother model, not wls"),
    (dict(style="oil"), "^style oil: unknown style"),
    (dict(model="no-such-model"), "^model no-such-model: no such model file"),
])
def test_bad_style_parameter_names_the_keyword(crop, kwargs, message):
    with pytest.raises(ValueError, match=message) as error:
        ismooth.stylize(crop, **kwargs)
    assert "--" not in str(error.value)


def test_unknown_style_keyword(crop):
    with pytest.raises(TypeError, match="unexpected keyword argument 'stroke'"):
        ismooth.stylize(crop, stroke=3)


def test_grey_input(crop):
    grey = crop[..., 1]
    assert ismooth.saliency(grey).shape == grey.shape
    assert ismooth.detail(grey, smoother="l0").shape == grey.shape
    assert ismooth.stylize(grey, style="pencil").shape == grey.shape


def test_errors(crop):
    with pytest.raises(ValueError, match="finite number from 0 to 1000"):
        ismooth.detail(crop, factor=float("nan"))
    with pytest.raises(ValueError, match="finite number from 0 to 1000"):
        ismooth.detail(crop, factor=-1)
    with pytest.raises(ValueError, match="unknown detail method 'cubic'"):
        ismooth.detail(crop, method="cubic")
    with pytest.raises(ValueError, match="unknown smoother"):
        ismooth.detail(crop, smoother="median")
    with pytest.raises(ValueError, match="threshold 1.5"):
        ismooth.saliency(crop, threshold=1.5)
    with pytest.raises(ValueError, match="at least 3x3"):
        ismooth.saliency(crop[:2, :2])


def test_detail_with_base(crop):
    # A base of one's own is boosted as is: the linear boost S + K (I - S) by
    # hand, and S = I leaves the image unchanged.
    s = (crop.astype(np.float32) * 0.5 + 40).astype(np.float32)
    got = ismooth.detail(crop, method="linear", factor=3, base=s)
    np.testing.assert_allclose(got, np.clip(s + 3 * (crop - s), 0, 255), atol=1e-3)
    np.testing.assert_allclose(ismooth.detail(crop, base=crop), crop, atol=1e-3)
    with pytest.raises(ValueError, match="base is given"):
        ismooth.detail(crop, base=s, smoother="wls")
    with pytest.raises(ValueError):
        ismooth.detail(crop, base=s[:-1])


def test_gradient_reversal_known_answers():
    # A step 40 | 220 in every row: 20 strong pairs. E = I scores 0; a halo
    # pair (255 | 0) reverses each of them, leaving the 5x5 range [40, 220]
    # by 35 on one side and 40 on the other: mean 37.5 over the 40 edge pixels.
    i = np.zeros((20, 20, 3))
    i[:, :10] = 40
    i[:, 10:] = 220
    same = ismooth.gradient_reversal(i, i)
    assert same == {"reversal_fraction": 0.0, "overshoot": 0.0, "strong_pairs": 20}
    e = i.copy()
    e[:, 9] = 255
    e[:, 10] = 0
    r = ismooth.gradient_reversal(i, e)
    assert r["reversal_fraction"] == 1 and r["strong_pairs"] == 20
    assert r["overshoot"] == pytest.approx((255 - 220 + 40) / 2, abs=1e-3)
    assert ismooth.gradient_reversal(i, e, threshold=200)["strong_pairs"] == 0
    with pytest.raises(ValueError):
        ismooth.gradient_reversal(i, e, radius=17)
    with pytest.raises(ValueError):
        ismooth.gradient_reversal(i, e[:-1])
