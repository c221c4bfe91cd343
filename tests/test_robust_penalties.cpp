// Robust penalties (robust_penalties.hpp) and their terms (penalty_terms.hpp):
// derivatives against finite differences, the half-quadratic bound, the
// terms' values by hand and their majorisers (bound everywhere, touching at x0).
#include <doctest/doctest.h>

#include "ismooth/penalty_terms.hpp"
#include "ismooth/robust_penalties.hpp"
#include "test_support.hpp"

using namespace ismooth;

TEST_CASE_TEMPLATE("a robust penalty: derivative, weight and half-quadratic bound", P, HuberPenalty,
                   CharbonnierPenalty, LogCoshPenalty) {
  const P rho{3.0};
  CHECK(rho.value(0) == 0);
  for (double d : {-40.0, -3.5, -1.0, -0.01, 0.02, 0.7, 2.9, 3.1, 12.0, 300.0}) {
    CAPTURE(d);
    const double h = 1e-6;
    const double numeric = (rho.value(d + h) - rho.value(d - h)) / (2 * h);
    CHECK(rho.derivative(d) == doctest::Approx(numeric).epsilon(1e-6));
    CHECK(rho.weight(d) == doctest::Approx(rho.derivative(d) / d).epsilon(1e-12));
    CHECK(rho.value(d) == doctest::Approx(rho.value(-d)));
    // ρ(e) ≤ ρ(d) + ½·w(d)·(e² − d²) for all e, with equality at e = ±d.
    for (double e : {-100.0, -5.0, -1.0, 0.0, 0.5, 2.0, 3.0, 8.0, 50.0})
      CHECK(rho.value(e) <= rho.value(d) + 0.5 * rho.weight(d) * (e * e - d * d) + 1e-9);
  }
  CHECK(rho.weight(0) == doctest::Approx(rho.weight(1e-9)));
}

TEST_CASE("the known forms: Huber, Charbonnier, log-cosh") {
  CHECK(HuberPenalty{2}.value(1) == 0.5);
  CHECK(HuberPenalty{2}.value(-5) == 2 * (5 - 1));
  CHECK(CharbonnierPenalty{3}.value(4) == doctest::Approx(2.0));  // √(16 + 9) − 3
  CHECK(LogCoshPenalty{2}.value(1) == doctest::Approx(4 * std::log(std::cosh(0.5))));
  CHECK(LogCoshPenalty{2}.value(2000) ==
        doctest::Approx(4 * (1000 - std::log(2.0))));  // no overflow
}

TEST_CASE("NeighbourPenalty and ResidualPenalty: values by hand") {
  Image<double> x = make_image<double>(2, 2, 0.0);
  // channel 0: [[0, 3], [4, 0]]; others 0
  x(0, 0, 1) = 3;
  x(0, 1, 0) = 4;
  const HuberPenalty rho{1.0};
  // pairs (right, down): (0,0)-(0,1): 3, (0,0)-(1,0): 4, (0,1)-(1,1): −3, (1,0)-(1,1): −4
  const double expected = (rho.value(3) + rho.value(4) + rho.value(-3) + rho.value(-4)) / 12;
  CHECK(NeighbourPenalty{rho}.Evaluate(x) == doctest::Approx(expected));
  const ResidualPenalty r{make_image<double>(2, 2, 1.0), rho};
  CHECK(r.Evaluate(x) == doctest::Approx((rho.value(2) + rho.value(3) + 10 * rho.value(-1)) / 12));
  CHECK(NeighbourPenalty{rho}.Evaluate(image_cast<float>(x)) == doctest::Approx(expected));
}

TEST_CASE("penalty terms' majorisers bound the term and touch it at x0") {
  const Image<double> target = test::random_image<double>(5, 6, 9);
  const Image<double> x0 = test::random_image<double>(5, 6, 10);
  const NeighbourPenalty tv{CharbonnierPenalty{4.0}};
  const ResidualPenalty fit{target, LogCoshPenalty{10.0}};
  for (bool per_channel : {true, false}) {
    CAPTURE(per_channel);
    QuadraticMajoriser qt, qf;
    qt.per_channel = qf.per_channel = per_channel;
    tv.Majorise(x0, qt);
    fit.Majorise(x0, qf);
    if (per_channel) {
      CHECK(evaluate_majoriser(qt, x0) == doctest::Approx(tv.Evaluate(x0)).epsilon(1e-12));
      CHECK(evaluate_majoriser(qf, x0) == doctest::Approx(fit.Evaluate(x0)).epsilon(1e-12));
    }
    for (unsigned seed = 20; seed < 30; ++seed) {
      const Image<double> x = test::random_image<double>(5, 6, seed);
      CHECK(evaluate_majoriser(qt, x) >= tv.Evaluate(x) - 1e-12);
      CHECK(evaluate_majoriser(qf, x) >= fit.Evaluate(x) - 1e-12);
    }
  }
}
