# Shared fixtures of the Python module's tests (run by CTest as
# `/usr/bin/python3 -m pytest tests/python` with PYTHONPATH = the build's
# experiments/python and ISMOOTH_TOOL = the built `ismooth` program).
import json
import os
import subprocess

import numpy as np
import pytest

# Without the module or PIL nothing here can run: the session ends with
# 77, which CTest counts as skipped, saying why.
try:
    import ismooth  # noqa: F401
    from PIL import Image
    MISSING = None
except ImportError as error:
    MISSING = (f"skipped: {error} (build the module with cmake -DISMOOTH_PYTHON=ON, set "
               "PYTHONPATH=<build>/experiments/python, run /usr/bin/python3)")
    collect_ignore_glob = ["test_*.py"]


def pytest_sessionstart(session):
    if MISSING:
        pytest.exit(MISSING, returncode=77)


DATA = os.path.join(os.path.dirname(__file__), "..", "data")


@pytest.fixture(scope="session")
def photo():
    """skimage's astronaut at 128 x 128 (tests/data), uint8 H x W x 3."""
    return np.asarray(Image.open(os.path.join(DATA, "astronaut_128.png")).convert("RGB"))


@pytest.fixture(scope="session")
def crop(photo):
    """A 40 x 56 crop with edges and texture, uint8."""
    return np.ascontiguousarray(photo[30:70, 40:96])


@pytest.fixture(scope="session")
def tool():
    """The built `ismooth` program; the comparisons with it skip without it."""
    path = os.environ.get("ISMOOTH_TOOL", "")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("ISMOOTH_TOOL does not name the built ismooth program")
    return path


def write_png(path, array):
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)
    return str(path)


def read_png(path):
    return np.asarray(Image.open(path))


def run_tool(tool, *args):
    """Runs the tool; returns stdout, failing the test on a non-zero exit."""
    r = subprocess.run([tool, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, f"ismooth {' '.join(map(str, args))}: {r.stderr}"
    return r.stdout


def tool_json(tool, *args):
    return json.loads(run_tool(tool, *args))
