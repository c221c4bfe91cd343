# ismooth.minimize: a Python function minimised by the library's Adam and
# L-BFGS to its known minimum.
import numpy as np
import pytest

import ismooth

A = np.diag([1.0, 4.0, 9.0])
CENTRE = np.array([[3.0, -2.0, 0.5]])  # x of shape (1, 3)


def quadratic(x):
    """0.5 (x - c) A (x - c)^T: minimum 0 at c."""
    d = x - CENTRE
    return float(0.5 * d @ A @ d.T), d @ A


def rosenbrock(x):
    a, b = x
    value = (1 - a) ** 2 + 100 * (b - a * a) ** 2
    grad = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
    return value, grad


@pytest.mark.parametrize("solver,options", [("lbfgs", {}), ("adam", dict(learning_rate=0.1, iterations=3000))])
def test_quadratic_reaches_its_minimum(solver, options):
    x, s = ismooth.minimize(quadratic, np.zeros((1, 3)), solver=solver, **options)
    assert x.shape == (1, 3) and x.dtype == np.float64
    np.testing.assert_allclose(x, CENTRE, atol=1e-5)
    assert s["final_energy"] == pytest.approx(0.0, abs=1e-10)
    assert s["solver"] == solver and s["records"]["energy"][0] == pytest.approx(0.5 * (9 + 16 + 2.25))


def test_lbfgs_on_rosenbrock():
    x, s = ismooth.minimize(rosenbrock, [-1.2, 1.0], solver="lbfgs", iterations=500)
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-4)
    assert s["termination"] == "convergence"


def test_errors_from_the_function_are_raised():
    def broken(x):
        raise KeyError("inside fun")

    for solver in ["adam", "lbfgs"]:
        with pytest.raises(KeyError, match="inside fun"):
            ismooth.minimize(broken, np.zeros(3), solver=solver)
    with pytest.raises(ValueError, match="shape"):
        ismooth.minimize(lambda x: (0.0, np.zeros(2)), np.zeros(3))
    with pytest.raises(ismooth.SolverError):
        ismooth.minimize(lambda x: (float("nan"), np.zeros(3)), np.zeros(3), solver="adam")
    with pytest.raises(ValueError, match="irls"):
        ismooth.minimize(quadratic, np.zeros((1, 3)), solver="irls")
    with pytest.raises(ValueError, match="unknown keyword"):
        ismooth.minimize(quadratic, np.zeros((1, 3)), momentum=0.9)
    with pytest.raises(ValueError, match="empty"):
        ismooth.minimize(quadratic, np.zeros(0))
