# `cmake --install` puts the module in the prefix's site directory, where it
# imports (PYTHONPATH = that folder, another working directory) and finds
# the installed shipped model beside it, not the source tree's. Runs when
# CTest names the build (ISMOOTH_BUILD_DIR, ISMOOTH_CMAKE).
import glob
import os
import subprocess
import sys

import pytest

import ismooth


def test_docstrings_are_visible():
    text = ismooth.solve.__doc__
    assert text.lstrip().startswith("solve(input, solver")
    for words in ["callback(record)", "StopIteration", "KeyboardInterrupt", "extra_terms"]:
        assert words in text
    for name in ["smooth", "edges", "energy", "minimize", "train", "Model"]:
        assert len(getattr(ismooth, name).__doc__) > 150, name


def test_installed_module_imports_and_finds_the_installed_model(tmp_path):
    build, cmake = os.environ.get("ISMOOTH_BUILD_DIR"), os.environ.get("ISMOOTH_CMAKE", "cmake")
    if not build:
        pytest.skip("ISMOOTH_BUILD_DIR is not set (CTest sets it)")
    prefix = tmp_path / "prefix"
    r = subprocess.run([cmake, "--install", build, "--prefix", str(prefix)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    modules = glob.glob(str(prefix / "lib" / "python3*" / "*-packages" / "ismooth*.so"))
    assert len(modules) == 1, os.listdir(prefix / "lib")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ISMOOTH_MODEL")}
    env["PYTHONPATH"] = os.path.dirname(modules[0])
    r = subprocess.run([sys.executable, "-c", "import ismooth; print(ismooth.__file__); print(ismooth.Model().path)"],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    module_file, model = r.stdout.split()
    assert module_file == modules[0]
    assert os.path.realpath(model) == os.path.realpath(prefix / "share" / "ismooth" / "models" / "default.model")
