# ismooth.train's keywords and ismooth.overfit against `ismooth train`'s
# flags on tiny data: the same run writes the same model file, byte for byte
# (over-fitting: the same output and weights), and each keyword changes the
# model the way its flag does.
import csv
import os

import numpy as np
import pytest

import ismooth
from conftest import read_png, run_tool, write_png

# A tiny network on two small photos: each run takes well under a second.
SHAPE = dict(epochs=2, crop=32, width=4, blocks=3, seed=5)
SHAPE_FLAGS = [f"--{k}={v}" for k, v in SHAPE.items()]


@pytest.fixture(scope="module")
def data(tmp_path_factory, photo):
    d = tmp_path_factory.mktemp("data")
    write_png(d / "a.png", photo[:48, :48])
    write_png(d / "b.png", photo[48:96, 64:112])
    return d


@pytest.fixture(scope="module")
def base(tool, tmp_path_factory, data):
    """The model of SHAPE with every other option at its default."""
    out = tmp_path_factory.mktemp("base") / "base.model"
    run_tool(tool, "train", "--data", data, "--out", out, "--quiet", *SHAPE_FLAGS)
    return out.read_bytes()


def cli_train(tool, data, out, *flags):
    run_tool(tool, "train", "--data", data, "--out", out, "--quiet", *SHAPE_FLAGS, *map(str, flags))
    return out.read_bytes()


# (keywords, flags, whether the model differs from the base run's)
CASES = [
    (dict(steps_per_epoch=3), ["--steps-per-epoch=3"], True),
    (dict(lr=0.05, lr_schedule="cosine"), ["--lr=0.05", "--lr-schedule=cosine"], True),
    (dict(crop=24, max_side=40), ["--crop=24", "--max-side=40"], True),
    (dict(flip=False), ["--no-flip"], True),
    (dict(init="he"), ["--init=he"], True),
    (dict(random_output_layer=True), ["--random-output-layer"], True),
    (dict(gradient="exact"), ["--gradient=exact"], True),
    (dict(dilations=[1, 2, 1]), ["--dilations=1,2,1"], True),
    (dict(blocks=2, dilations=(2, 1)), ["--blocks=2", "--dilations=2,1"], True),
    (dict(energy="l2", sigma_r=0.2), ["--energy=l2", "--set", "sigma_r=0.2"], True),
    (dict(preset="detail", lambda_f=3), ["--preset=detail", "--set", "lambda_f=3"], True),
    (dict(checkpoint_minutes=0), ["--checkpoint-minutes=0"], False),
]


@pytest.mark.parametrize("kwargs, flags, changes", CASES,
                         ids=[",".join(c[0]) for c in CASES])
def test_keyword_matches_flag(tool, tmp_path, data, base, kwargs, flags, changes):
    expected = cli_train(tool, data, tmp_path / "cli.model", *flags)
    ismooth.train(data, tmp_path / "py.model", **{**SHAPE, **kwargs})
    assert (tmp_path / "py.model").read_bytes() == expected
    assert (expected != base) == changes


def test_validation_checkpoint_and_init_from_match_tool(tool, tmp_path, data, base):
    (tmp_path / "start.model").write_bytes(base)
    flags = ["--val", data, "--val-crop=16", "--checkpoint", tmp_path / "cli.ckpt",
             "--init-from", tmp_path / "start.model"]
    expected = cli_train(tool, data, tmp_path / "cli.model", *flags)
    s = ismooth.train(data, tmp_path / "py.model", val=data, val_crop=16,
                      checkpoint=tmp_path / "py.ckpt", init_from=tmp_path / "start.model", **SHAPE)
    assert (tmp_path / "py.model").read_bytes() == expected != base
    assert os.path.isfile(tmp_path / "py.ckpt") and not os.path.exists(str(tmp_path / "py.model") + ".ckpt")
    val = s["records"]["val_energy"]
    assert np.isfinite(val).sum() == SHAPE["epochs"] + 1  # at the start and after each epoch


def read_log(path):
    with open(path) as f:
        return list(csv.DictReader(f))


# The log's columns that do not measure time: equal between the tool and the module.
LOG_VALUES = ["iteration", "energy", "data", "flatten", "edge", "l2_fraction", "epoch", "image",
              "learning_rate"]


def test_stop_after_and_resume_equal_an_uninterrupted_run(tool, tmp_path, data, base):
    """stop_after=0 stops at the first record (the tool's --stop-after 0)
    with the checkpoint and the model of its weights; resume=True finishes the model of the
    uninterrupted run, byte for byte, as the tool's --stop-after / --resume
    pair does; log= is the tool's --log (the same columns and values)."""
    out, log = tmp_path / "py.model", tmp_path / "py.csv"
    s = ismooth.train(data, out, stop_after=0, log=log, **SHAPE)
    assert s["stopped_early"] and s["termination"] == "user_success"
    assert s["iterations"] == 0
    assert os.path.isfile(out) and os.path.isfile(str(out) + ".ckpt")
    assert out.read_bytes() != base
    assert len(read_log(log)) == 1

    s = ismooth.train(data, out, resume=True, log=log, **SHAPE)
    assert not s["stopped_early"] and s["iterations"] == 4
    assert out.read_bytes() == base

    cli_out, cli_log = tmp_path / "cli.model", tmp_path / "cli.csv"
    cli_train(tool, data, cli_out, "--stop-after=0", "--log", cli_log)
    cli_train(tool, data, cli_out, "--resume", "--log", cli_log)
    assert cli_out.read_bytes() == base
    rows, cli_rows = read_log(log), read_log(cli_log)
    assert open(log).readline() == open(cli_log).readline()  # the same header
    assert len(rows) == len(cli_rows) == 5
    assert [[r[k] for k in LOG_VALUES] for r in rows] == \
           [[r[k] for k in LOG_VALUES] for r in cli_rows]


def test_masks_folder_matches_tool(tool, tmp_path, data, photo):
    """preset="background" with masks=FOLDER is --masks FOLDER; masks="auto"
    is the tool's default; a mask of another size is a ValueError."""
    masks = tmp_path / "masks"
    masks.mkdir()
    f = np.zeros((48, 48), np.uint8)
    f[8:40, 12:36] = 255
    write_png(masks / "a.png", f)
    write_png(masks / "b.png", f.T)
    shape = dict(SHAPE, preset="background")
    expected = cli_train(tool, data, tmp_path / "cli.model", "--preset=background",
                         "--masks", masks)
    ismooth.train(data, tmp_path / "py.model", masks=masks, **shape)
    assert (tmp_path / "py.model").read_bytes() == expected

    auto = cli_train(tool, data, tmp_path / "cli_auto.model", "--preset=background")
    ismooth.train(data, tmp_path / "py_auto.model", masks="auto", **shape)
    assert (tmp_path / "py_auto.model").read_bytes() == auto != expected
    assert os.path.isdir(str(tmp_path / "py_auto.model") + ".masks")

    write_png(masks / "b.png", f[:40])
    with pytest.raises(ValueError, match="b.png"):
        ismooth.train(data, tmp_path / "bad.model", masks=masks, **shape)
    assert not os.path.exists(tmp_path / "bad.model")
    with pytest.raises(ValueError, match="with a list of images use masks='auto'"):
        ismooth.train([photo[:48, :48]], tmp_path / "bad.model", masks=masks, **shape)


def test_overfit_matches_tool(tool, tmp_path, crop):
    """ismooth.overfit is `ismooth train --overfit`: the same output T (the
    tool's --output-image within 8-bit rounding), the same weights, the
    same log values; mask= is --mask."""
    src = write_png(tmp_path / "in.png", crop)
    net = dict(iterations=6, width=4, blocks=3, seed=2)
    run_tool(tool, "train", "--overfit", src, "--out", tmp_path / "cli.model", "--quiet",
             "--output-image", tmp_path / "t.png", "--log", tmp_path / "cli.csv",
             *[f"--{k}={v}" for k, v in net.items()])
    t, s = ismooth.overfit(crop, out=tmp_path / "py.model", log=tmp_path / "py.csv", **net)
    assert t.dtype == np.float32 and t.shape == crop.shape
    assert np.abs(np.clip(t, 0, 255) - read_png(tmp_path / "t.png")).max() <= 0.5 + 1e-3
    assert s["solver"] == "cnn-overfit" and s["iterations"] == 6
    assert s["final_energy"] < s["identity_energy"]
    np.testing.assert_array_equal(ismooth.Model(tmp_path / "py.model").smooth(crop),
                                  ismooth.Model(tmp_path / "cli.model").smooth(crop))
    keys = ["iteration", "energy", "data", "flatten", "edge", "learning_rate"]
    assert [[r[k] for k in keys] for r in read_log(tmp_path / "py.csv")] == \
           [[r[k] for k in keys] for r in read_log(tmp_path / "cli.csv")]

    f = np.zeros(crop.shape[:2], np.uint8)
    f[10:30, 10:40] = 255
    write_png(tmp_path / "f.png", f)
    run_tool(tool, "train", "--overfit", src, "--quiet", "--output-image", tmp_path / "tf.png",
             "--preset=foreground", "--mask", tmp_path / "f.png",
             *[f"--{k}={v}" for k, v in net.items()])
    tf, _ = ismooth.overfit(crop, preset="foreground", mask=f > 0, **net)
    assert np.abs(np.clip(tf, 0, 255) - read_png(tmp_path / "tf.png")).max() <= 0.5 + 1e-3
    assert np.abs(tf - t).max() > 0.5

    with pytest.raises(ValueError, match="needs a foreground mask \\(mask\\)"):
        ismooth.overfit(crop, preset="foreground", **net)
    with pytest.raises(ValueError, match="^iterations 0: out of range"):
        ismooth.overfit(crop, iterations=0)
    with pytest.raises(ValueError, match="unknown key 'epochs'"):
        ismooth.overfit(crop, epochs=3, **net)


# A bad value of each kind: the message names the keyword, never a flag.
@pytest.mark.parametrize("kwargs, message", [
    (dict(stop_after=-1), "^stop_after -1: out of range; expected a number from 0"),
    (dict(epochs=0), "^epochs 0: out of range"),
    (dict(epochs=2.5), "^epochs 2.5: .*not an integer"),
    (dict(batch=0), "^batch 0: out of range"),
    (dict(dilations=[0, 1]), "^dilations 0: out of range"),
    (dict(crop="big"), "^crop='big': expected a number, got str"),
    (dict(lr_schedule="steep"), "^lr_schedule steep: expected constant or cosine"),
    (dict(init="zeros"), "^init zeros: expected uniform or he"),
    (dict(blocks=3, dilations=[1, 1]), "^blocks 3 disagrees with the 2 values of dilations"),
    (dict(masks="auto"), "^masks is for preset background or foreground, not smoothing"),
    (dict(resume=True), "^resume: no checkpoint at"),
    (dict(gradient="fast"), "^gradient=fast: expected exact or clipped"),
    (dict(sigma_r="wide"), "^sigma_r=wide: 'wide' is not a number"),
    (dict(sigma_r=-1), "^energy parameters: sigma_r"),
    (dict(device="gpu"), "^device gpu: expected cpu or cuda"),
])
def test_bad_keyword_names_the_keyword(tmp_path, photo, kwargs, message):
    with pytest.raises(ValueError, match=message) as error:
        ismooth.train([photo[:32, :32]], tmp_path / "x.model", **kwargs)
    assert "--" not in str(error.value)
    assert not os.path.exists(tmp_path / "x.model")


def test_overfit_ctrl_c_and_callback(tmp_path, crop):
    """Ctrl-C stops over-fitting at the next iteration with KeyboardInterrupt
    and writes no model; a callback returning False stops it with T."""
    import signal

    def ctrl_c_at_2(record):
        if record["iteration"] == 2:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        ismooth.overfit(crop, out=tmp_path / "m.model", iterations=50, width=4, blocks=3,
                        callback=ctrl_c_at_2)
    assert not os.path.exists(tmp_path / "m.model")
    t, s = ismooth.overfit(crop, iterations=50, width=4, blocks=3,
                           callback=lambda r: r["iteration"] < 3)
    assert s["termination"] == "user_success" and s["iterations"] == 3
    assert t.shape == crop.shape
