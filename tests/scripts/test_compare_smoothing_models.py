# experiments/scripts/compare_smoothing_models.py (issue 21's judging tool)
# on two tiny synthetic photos: the known answers of T = I (flattening 0,
# structure 1, no reversal or overshoot, no L2 mask, p = 0.8 energy equal to
# T = I's) and of a half-strength texture (flattening exactly 0.5), the
# shipped model measured beside them, caching, a retrained model redone, the
# crop figure, and bad flags refused before anything is written. Run by CTest
# as `/usr/bin/python3 -m pytest` with ISMOOTH_TOOL and PYTHONPATH = the
# build's module (exit 77 = skipped when the module or PIL is missing).
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

try:
    import ismooth
    from PIL import Image
except ImportError as error:
    print(f"skipped: {error} (needs the built ismooth module on PYTHONPATH and python3-pil)")
    sys.exit(77)

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "experiments" / "scripts" / "compare_smoothing_models.py"
sys.path.insert(0, str(SCRIPT.parent))
import compare_smoothing_models as csm  # noqa: E402


def step_with_texture(h, w, seed=0):
    """A vertical step 40 | 220 (a structure edge B finds) with even-valued
    texture of amplitude <= 8 on both sides (too weak for B or for a strong
    step of the reversal measure), uint8."""
    rng = np.random.default_rng(seed)
    base = np.where(np.arange(w) < w // 2, 40, 220)[None, :, None] * np.ones((h, 1, 3))
    noise = 2 * rng.integers(-4, 5, size=(h, w, 3))
    return base, noise


def write(path, im):
    Image.fromarray(np.clip(im, 0, 255).astype(np.uint8)).save(path)
    return path


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("photos")
    (d / "set").mkdir()
    for name, (h, w), seed in (("a", (48, 64), 1), ("b", (64, 48), 2)):
        base, noise = step_with_texture(h, w, seed=seed)
        write(d / "set" / f"{name}.png", base + noise)
    return d  # images "set--a" and "set--b"


def run(*args, check=True):
    p = subprocess.run([sys.executable, str(SCRIPT), *map(str, args), "--ismooth",
                        os.environ["ISMOOTH_TOOL"], "--python-module",
                        os.path.dirname(ismooth.__file__)], capture_output=True, text=True)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def rows(out):
    with open(out / "results.csv") as f:
        return {(r["image"], r["model"]): r for r in csv.DictReader(f)}


def test_measure_known_answers(tmp_path):
    base, noise = step_with_texture(48, 64)
    i = write(tmp_path / "i.png", base + noise)
    half = write(tmp_path / "half.png", base + noise // 2)
    assert ismooth.edges(np.asarray(Image.open(i))).sum() > 20  # B finds the step
    same = csm.measure(ismooth, i, i, 3)
    assert same["flattening"] == same["flattening_coarse"] == 0 and same["structure"] == 1
    assert same["reversal_s"] == same["overshoot_s"] == 0
    assert same["reversal_k15"] == same["overshoot_k15"] == 0
    assert same["strong_pairs"] == 48  # one strong step per row
    # Every non-edge gradient halves exactly, at both scales: flattening 0.5; the step keeps
    # its 180 grey levels, so the structure stays close to 1 (the texture on B's
    # band halves too).
    m = csm.measure(ismooth, i, half, 3)
    assert m["flattening"] == pytest.approx(0.5, abs=1e-12)
    assert m["flattening_coarse"] == pytest.approx(0.5, abs=1e-12)
    assert 0.8 < m["structure"] < 1
    assert m["reversal_s"] == 0 and m["overshoot_s"] == 0
    # A one-pixel halo beside the step: every strong pair reversed.
    halo = (base + noise).copy()
    halo[:, 31] = 255
    halo[:, 32] = 0
    r = csm.measure(ismooth, i, write(tmp_path / "halo.png", halo), 3)
    assert r["reversal_s"] == 1 and r["overshoot_s"] > 10


def test_identity_and_model(photos, tmp_path):
    out = tmp_path / "out"
    model = tmp_path / "m.model"
    shutil.copy(REPO / "network" / "models" / "default.model", model)
    p = run(photos, out, "--model", "identity", "--model", f"shipped={model}", "--short-side",
            "48", "--crops", "set--a:8,8,24;set--b:0,16,24")
    r = rows(out)
    assert len(r) == 4
    for image in ("a", "b"):
        ident = r[(f"set--{image}", "identity")]
        assert float(ident["flattening"]) == float(ident["flattening_coarse"]) == 0
        assert float(ident["structure"]) == 1
        for key in ("reversal_s", "overshoot_s", "reversal_k15", "overshoot_k15", "l2_fraction"):
            assert float(ident[key]) == 0, key
        assert float(ident["l08"]) == float(ident["l08_identity"])
        model_row = r[(f"set--{image}", "shipped")]
        # The shipped model flattens the texture and keeps the step.
        assert float(model_row["flattening"]) > 0.1
        assert 0.9 < float(model_row["structure"]) < 1.1
        assert float(model_row["l08"]) < float(model_row["l08_identity"])
    assert "| identity | 2 | 0.000 | 0.000 | 1.000 | 0.00 | 0.00 | 0.00 | 0.00 |" in p.stdout
    assert "| shipped | 2 |" in p.stdout
    fig = Image.open(out / "crops.png")
    assert fig.size == (2 * (192 + 4) - 4, 16 + 2 * (192 + 4) - 4)  # input | shipped, 8x
    want = Image.open(out / "set--a" / "shipped.png").crop((8, 8, 32, 32)).resize((192, 192),
                                                                                 Image.NEAREST)
    np.testing.assert_array_equal(np.asarray(fig.convert("RGB"))[16:16 + 192, 196:],
                                  np.asarray(want.convert("RGB")))
    # A rerun redoes nothing; a retrained model under the same name is redone.
    records = sorted(out.glob("*/*.json"))
    stamps = [f.stat().st_mtime_ns for f in records]
    p = run(photos, out, "--model", "identity", "--model", f"shipped={model}", "--short-side",
            "48", "--crops", "none")
    assert " ..." not in p.stderr
    assert [f.stat().st_mtime_ns for f in records] == stamps
    shutil.copy(REPO / "network" / "models" / "texture.model", model)
    p = run(photos, out, "--model", "identity", "--model", f"shipped={model}", "--short-side",
            "48", "--crops", "none")
    assert p.stderr.count(" shipped ...") == 2 and " identity ..." not in p.stderr


@pytest.mark.parametrize("args, message", [
    (["--model", "default"], "expected NAME=FILE or identity"),
    (["--model", "x=/nonexistent.model"], "no such model file"),
    (["--model", "identity", "--model", "identity"], "given twice"),
    (["--model", "a/b=x"], "NAME must be"),
    ([], "at least one --model"),
    (["--model", "identity", "--crops", "a:1,2"], "expected IMAGE:X,Y,SIZE"),
])
def test_bad_flags(photos, tmp_path, args, message):
    out = tmp_path / "out"
    p = run(photos, out, *args, check=False)
    assert p.returncode != 0 and message in p.stderr
    assert not out.exists()


def test_crop_outside_image(photos, tmp_path):
    p = run(photos, tmp_path / "out", "--model", "identity", "--short-side", "48", "--crops",
            "set--a:40,40,24", check=False)
    assert p.returncode != 0 and "leaves the" in p.stderr


def test_default_crops_follow_each_photos_short_side(tmp_path):
    # The default crops are given at short side 256; a photo written at 512
    # doubles them, one smaller than --short-side (not enlarged: short side
    # 300) scales by 300 / 256, and explicit crops stay as given.
    for name, size in (("big", (768, 512)), ("small", (451, 300))):
        (tmp_path / name).mkdir()
        Image.new("RGB", size).save(tmp_path / name / "input.png")
    crops = [("big", 100, 50, 96), ("small", 110, 60, 96)]
    args = type("Args", (), {"out": tmp_path, "relative_crops": True})()
    assert csm.scaled_crops(args, crops) == [("big", 200, 100, 192), ("small", 129, 70, 112)]
    args.relative_crops = False
    assert csm.scaled_crops(args, crops) == crops
