# ismooth.solve against `ismooth solve --json` on the same files: the
# summary's numbers equal bit for bit, T equal to the written PNG within
# 8-bit rounding; callbacks, initial points, users' terms and errors.
import math

import numpy as np
import pytest

import ismooth
from conftest import read_png, tool_json, write_png

COLUMNS = ["energy", "data", "flatten", "edge", "l2_fraction", "energy_change", "gradient_norm",
           "step_norm"]


def same_number(got, expected):
    """The tool writes non-finite numbers as null."""
    return (expected is None and not math.isfinite(got)) or got == expected


CASES = [
    ("adam", dict(iterations=6), []),
    ("adam", dict(iterations=4, energy="l08", learning_rate=2.0, schedule="cosine"),
     ["--energy", "l08", "--learning-rate", "2.0", "--schedule", "cosine"]),
    ("lbfgs", dict(iterations=5), []),
    ("lbfgs", dict(iterations=4, energy="half", epsilon=0.5, memory=5),
     ["--energy", "half", "--epsilon", "0.5", "--memory", "5"]),
    ("irls", dict(iterations=3, energy="l2"), ["--energy", "l2"]),
    ("irls", dict(iterations=2, lambda_e=0.0, linear_solver="pcg"),
     ["--set", "lambda_e=0.0", "--linear-solver", "pcg"]),
]


@pytest.mark.parametrize("solver,kwargs,flags", CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_solve_matches_tool(tool, tmp_path, crop, solver, kwargs, flags):
    src = write_png(tmp_path / "in.png", crop)
    n = kwargs["iterations"]
    expected = tool_json(tool, "solve", src, tmp_path / "out.png", "--solver", solver,
                         "--iterations", n, "--json", *flags)
    T, s = ismooth.solve(crop, solver, **kwargs)
    assert T.dtype == np.float32 and T.shape == crop.shape
    for key in ["solver", "iterations", "initial_energy", "final_energy", "termination", "message"]:
        assert s[key] == expected[key], key
    records = s["records"]
    assert len(records["energy"]) == len(expected["records"]) == s["iterations"] + 1
    for k, row in enumerate(expected["records"]):
        assert records["iteration"][k] == row["iteration"]
        for column in COLUMNS:
            assert same_number(records[column][k], row[column]), (k, column)
    assert s["final_energy"] < s["initial_energy"]
    written = read_png(tmp_path / "out.png").astype(np.float64)
    assert np.abs(np.clip(T, 0, 255) - written).max() <= 0.5 + 1e-3


def test_callback_sees_every_record_and_can_stop(crop):
    seen = []

    def stop_at_three(record):
        seen.append(record)
        return record["iteration"] < 3  # False stops

    T, s = ismooth.solve(crop, "adam", iterations=50, callback=stop_at_three)
    assert [r["iteration"] for r in seen] == [0, 1, 2, 3]
    assert s["termination"] == "user_success" and s["iterations"] == 3
    assert seen[-1]["energy"] == s["final_energy"] and "learning_rate" in seen[-1]

    def raise_stop(record):
        if record["iteration"] == 2:
            raise StopIteration

    _, s = ismooth.solve(crop, "lbfgs", iterations=50, callback=raise_stop)
    assert s["termination"] == "user_success" and s["iterations"] == 2


def test_callback_exception_is_raised(crop):
    def boom(record):
        if record["iteration"] == 1:
            raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        ismooth.solve(crop, "adam", iterations=20, callback=boom)


def test_init_and_grey(crop):
    T, _ = ismooth.solve(crop, "adam", iterations=3)
    T2, s2 = ismooth.solve(crop, "adam", iterations=3, init=T)
    _, s = ismooth.solve(crop, "adam", iterations=6)
    assert s2["initial_energy"] == pytest.approx(s["records"]["energy"][3], rel=1e-12)
    grey = crop[..., 0]
    G, sg = ismooth.solve(grey, "lbfgs", iterations=3)
    R, sr = ismooth.solve(np.repeat(grey[..., None], 3, axis=2), "lbfgs", iterations=3)
    assert G.shape == grey.shape and sg["final_energy"] == sr["final_energy"]
    np.testing.assert_array_equal(G, R[..., 0])


def test_extra_term_pulls_towards_a_target(crop):
    """E + w * ||T - c||^2: with a heavy weight T ends next to c."""
    target = np.full(crop.shape, 100.0)

    def pull(T):
        d = T - target
        return float(np.sum(d * d)), 2 * d

    for solver in ["adam", "lbfgs"]:
        T0, s0 = ismooth.solve(crop, solver, iterations=30)
        T, s = ismooth.solve(crop, solver, iterations=30, extra_terms=[(50.0, pull)],
                             **({"learning_rate": 5.0} if solver == "adam" else {}))
        assert np.abs(T - 100).mean() < 0.2 * np.abs(T0 - 100).mean(), solver
        # The paper energy's part of the sum still reports its terms (T = I at
        # record 0: no data term, the input's flattening).
        assert s["records"]["data"][0] == 0.0 and s["records"]["flatten"][0] > 0, solver
    with pytest.raises(ValueError, match="irls"):
        ismooth.solve(crop, "irls", energy="l2", extra_terms=[(1.0, pull)])


def test_errors(crop):
    with pytest.raises(ValueError, match="expected irls, adam or lbfgs"):
        ismooth.solve(crop, "newton")
    with pytest.raises(ValueError, match="learning_rate applies to solver adam, not lbfgs"):
        ismooth.solve(crop, "lbfgs", learning_rate=1.0)
    with pytest.raises(ValueError, match="IRLS cannot minimise the edge-preserving term"):
        ismooth.solve(crop, "irls")
    with pytest.raises(ValueError, match="unknown"):
        ismooth.solve(crop, "adam", sigma=3)
    with pytest.raises(ValueError, match="size mismatch"):
        ismooth.solve(crop, "adam", init=crop[:10])
    with pytest.raises(ValueError, match="schedule linear"):
        ismooth.solve(crop, "adam", schedule="linear")
    with pytest.raises(ValueError, match="mask"):
        ismooth.solve(crop, "adam", mask=np.ones(crop.shape[:2]))
    with pytest.raises(ismooth.SolverError) as failure:
        ismooth.solve(crop, "adam", iterations=3, sigma_r=1e-300)
    assert failure.value.summary["solver"] == "adam"
