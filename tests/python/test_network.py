# ismooth.smooth / Model against `ismooth smooth` (within 8-bit rounding),
# and ismooth.train on a tiny network.
import os
import signal

import numpy as np
import pytest

import ismooth
from conftest import read_png, run_tool, write_png


def test_smooth_matches_tool(tool, tmp_path, crop):
    src = write_png(tmp_path / "in.png", crop)
    run_tool(tool, "smooth", src, tmp_path / "out.png")
    expected = read_png(tmp_path / "out.png").astype(np.float64)
    got = ismooth.smooth(crop)
    assert got.dtype == np.float32 and got.shape == crop.shape
    assert np.abs(got - expected).max() <= 0.5 + 1e-3
    assert np.abs(got - crop).mean() > 1  # it did smooth


def test_tiles_and_raw_output_match_tool(tool, tmp_path, photo):
    src = write_png(tmp_path / "in.png", photo)
    run_tool(tool, "smooth", src, tmp_path / "raw.png", "--no-postprocess", "--tile", "48")
    raw = ismooth.smooth(photo, postprocess=False, tile=48)
    assert np.abs(np.clip(raw, 0, 255) - read_png(tmp_path / "raw.png")).max() <= 0.5 + 1e-3
    whole = ismooth.smooth(photo)
    tiled = ismooth.Model(tile=40).smooth(photo)
    assert np.abs(tiled - whole).max() < 1e-3  # tiled inference: the same result
    assert np.abs(raw - whole).max() > 0.5  # gain matching changes it
    with pytest.raises(ValueError, match="max_memory_mib -1"):
        ismooth.smooth(photo, max_memory_mib=-1)
    with pytest.raises(ValueError, match="the Model's"):
        ismooth.smooth(photo, model=ismooth.Model(), tile=8)


def test_model_object(crop):
    m = ismooth.Model()
    assert m.config["blocks"] == len(m.config["dilations"]) and m.config["width"] > 0
    assert os.path.isfile(m.path) and "Model(" in repr(m)
    np.testing.assert_array_equal(m.smooth(crop), ismooth.smooth(crop, model=m))
    np.testing.assert_array_equal(m.smooth(crop), ismooth.smooth(crop.astype(np.float64)))
    grey = m.smooth(crop[..., 0])
    assert grey.shape == crop.shape[:2]


def test_shipped_models_by_name(tool, tmp_path, crop):
    # A shipped model's name works as in `ismooth smooth --model NAME`.
    src = write_png(tmp_path / "in.png", crop)
    for name in ("smoothing-w64", "smoothing-adaptive", "detail", "texture", "background",
                 "foreground"):
        m = ismooth.Model(name)
        assert os.path.basename(m.path) == name + ".model"
        run_tool(tool, "smooth", src, tmp_path / f"{name}.png", "--model", name)
        expected = read_png(tmp_path / f"{name}.png").astype(np.float64)
        got = ismooth.smooth(crop, model=name)
        assert np.abs(got - expected).max() <= 0.5 + 1e-3
    assert np.abs(ismooth.smooth(crop, model="texture") - ismooth.smooth(crop)).max() > 1
    with pytest.raises(FileNotFoundError, match="nosuch"):
        ismooth.Model("nosuch")


def test_errors(tmp_path, crop):
    with pytest.raises(FileNotFoundError, match="nowhere.model"):
        ismooth.Model(tmp_path / "nowhere.model")
    (tmp_path / "junk.model").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="junk.model"):
        ismooth.smooth(crop, model=str(tmp_path / "junk.model"))
    with pytest.raises(ValueError, match="device gpu: expected cpu or cuda"):
        ismooth.smooth(crop, device="gpu")
    with pytest.raises(ValueError, match="unknown precision 'fp64'"):
        ismooth.smooth(crop, precision="fp64")
    # The CPU engine runs fp32; should it learn bf16, the module passes it on.
    try:
        low = ismooth.smooth(crop, precision="bf16")
    except ValueError as error:
        assert "fp32 only, not bf16" in str(error)
    else:
        assert np.abs(low - ismooth.smooth(crop)).mean() < 2


def test_train_tiny_network(tmp_path, photo):
    images = [photo[:48, :48], photo[48:96, 64:112]]
    records = []

    def progress(record):
        records.append(record)

    out = tmp_path / "tiny.model"
    s = ismooth.train(images, out, epochs=2, crop=32, width=4, blocks=3, lr=0.01, seed=3,
                      callback=progress, checkpoint_minutes=0)
    assert os.path.isfile(out) and os.path.isfile(str(out) + ".ckpt")
    assert s["solver"] == "cnn" and s["iterations"] == 4
    assert [r["iteration"] for r in records] == [0, 1, 2, 3, 4]
    assert records[-1]["epoch"] == 2 and len(s["records"]["epoch"]) == 5
    m = ismooth.Model(out)
    assert m.config["width"] == 4 and m.config["dilations"] == [2, 1, 1]
    assert m.smooth(photo[:32, :32]).shape == (32, 32, 3)

    with pytest.raises(FileNotFoundError):
        ismooth.train(tmp_path / "no_such_folder", tmp_path / "x.model", epochs=1)
    with pytest.raises(ValueError, match="unknown"):
        ismooth.train(images, tmp_path / "y.model", colour=1)
    with pytest.raises(ValueError, match="same file"):
        ismooth.train(images, out, checkpoint=out)


def test_train_batch_matches_tool(tool, tmp_path, photo):
    """batch=2 (two crops' mean gradient per update) is the tool's --batch 2,
    byte for byte, and not the batch-1 model."""
    data = tmp_path / "data"
    data.mkdir()
    write_png(data / "a.png", photo[:48, :48])
    write_png(data / "b.png", photo[48:96, 64:112])
    shape = dict(epochs=2, crop=32, width=4, blocks=3, seed=5)
    run_tool(tool, "train", "--data", data, "--out", tmp_path / "cli.model", "--quiet",
             "--batch=2", *[f"--{k}={v}" for k, v in shape.items()])
    s = ismooth.train(data, tmp_path / "py.model", batch=2, **shape)
    assert s["iterations"] == 2  # one update an epoch (2 images, 2 crops an update)
    assert (tmp_path / "cli.model").read_bytes() == (tmp_path / "py.model").read_bytes()
    ismooth.train(data, tmp_path / "one.model", **shape)
    assert (tmp_path / "one.model").read_bytes() != (tmp_path / "py.model").read_bytes()
    with pytest.raises(ValueError, match="^batch 0: out of range"):
        ismooth.train(data, tmp_path / "x.model", batch=0, **shape)


def test_train_precision_and_threads_match_tool(tool, tmp_path, photo):
    """precision="bf16" and threads are the tool's --precision bf16 and
    --threads, byte for byte (skipped where the CPU has no bf16)."""
    data = tmp_path / "data"
    data.mkdir()
    write_png(data / "a.png", photo[:48, :48])
    shape = dict(epochs=2, crop=32, width=4, blocks=3, seed=5)
    with pytest.raises(ValueError, match="unknown precision 'fp64'"):
        ismooth.train(data, tmp_path / "x.model", precision="fp64", **shape)
    with pytest.raises(ValueError, match="threads must be >= 0"):
        ismooth.train(data, tmp_path / "x.model", threads=-1, **shape)
    try:
        ismooth.train(data, tmp_path / "py.model", precision="bf16", threads=1, **shape)
    except ValueError as error:
        assert "bf16" in str(error).lower()
        pytest.skip(f"no bf16 on this CPU: {error}")
    run_tool(tool, "train", "--data", data, "--out", tmp_path / "cli.model", "--quiet",
             "--precision=bf16", "--threads=1", *[f"--{k}={v}" for k, v in shape.items()])
    assert (tmp_path / "cli.model").read_bytes() == (tmp_path / "py.model").read_bytes()
    ismooth.train(data, tmp_path / "fp32.model", threads=1, **shape)
    assert (tmp_path / "fp32.model").read_bytes() != (tmp_path / "py.model").read_bytes()


def test_train_matches_tool_and_resumes_after_ctrl_c(tool, tmp_path, photo):
    """The same run through the tool and the module writes the same model,
    byte for byte; Ctrl-C in the module's run writes the checkpoint and
    raises KeyboardInterrupt, and resume=True finishes the same model."""
    data = tmp_path / "data"
    data.mkdir()
    write_png(data / "a.png", photo[:48, :48])
    write_png(data / "b.png", photo[48:96, 64:112])
    shape = dict(epochs=3, crop=32, width=4, blocks=3, seed=5)
    run_tool(tool, "train", "--data", data, "--out", tmp_path / "cli.model", "--quiet",
             *[f"--{k}={v}" for k, v in shape.items()])

    def ctrl_c_at_step_2(record):
        if record["iteration"] == 2:
            os.kill(os.getpid(), signal.SIGINT)

    out = tmp_path / "py.model"
    with pytest.raises(KeyboardInterrupt):
        ismooth.train(data, out, callback=ctrl_c_at_step_2, **shape)
    assert os.path.isfile(str(out) + ".ckpt") and not os.path.exists(out)
    s = ismooth.train(data, out, resume=True, **shape)
    assert s["iterations"] == 6 and s["records"]["iteration"][0] == 0
    assert (tmp_path / "cli.model").read_bytes() == out.read_bytes()
