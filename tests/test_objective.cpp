// The objective concept: user terms plug in without adapters; WeightedSum.
#include <doctest/doctest.h>

#include "ismooth/objective.hpp"
#include "ismooth/presets.hpp"
#include "test_support.hpp"

using namespace ismooth;

namespace {

/// A user's quadratic with a known minimiser: ½‖x − c‖², only Evaluate and
/// Gradient written.
struct Quadratic {
  Image<double> centre;
  double Evaluate(const Image<double>& x) const { return 0.5 * xt::sum(xt::square(x - centre))(); }
  void Gradient(const Image<double>& x, Image<double>& g) const { g = x - centre; }
};

/// A non-quadratic user term with only EvaluateWithGradient: Σ log cosh(x).
struct LogCosh {
  double EvaluateWithGradient(const Image<double>& x, Image<double>& g) const {
    g = xt::tanh(x);
    return xt::sum(xt::log(xt::cosh(x)))();
  }
};

struct NotAnObjective {
  double Evaluate(const Image<double>&) const { return 0; }
};

}  // namespace

static_assert(DifferentiableObjective<Quadratic, Image<double>>);
static_assert(DifferentiableObjective<LogCosh, Image<double>>);
static_assert(!DifferentiableObjective<NotAnObjective, Image<double>>);
static_assert(DifferentiableObjective<SmoothingEnergy<float>, Image<float>>);
static_assert(DifferentiableObjective<FlatteningTerm<double>, Image<double>>);
static_assert(DifferentiableObjective<EdgeTerm<double>, Image<double>>);
static_assert(DifferentiableObjective<DataTerm<double>, Image<double>>);

TEST_CASE("adapters derive the missing members") {
  Quadratic q{make_image<double>(2, 2, 1.0)};
  Image<double> x = make_image<double>(2, 2, 3.0), g;
  CHECK(evaluate_with_gradient(q, x, g) == doctest::Approx(0.5 * 12 * 4));
  CHECK(g(1, 1, 1) == 2.0);
  LogCosh l;
  CHECK(evaluate(l, x) == doctest::Approx(12 * std::log(std::cosh(3.0))));
  gradient(l, x, g);
  CHECK(g(0, 0, 0) == doctest::Approx(std::tanh(3.0)));
}

TEST_CASE("weighted sum of the paper's energy and user terms") {
  const Image<double> input = test::random_image<double>(8, 9, 3);
  auto paper = make_energy(input, Preset::smoothing, preset_params(Preset::smoothing));
  Quadratic q{make_image<double>(8, 9, 100.0)};
  WeightedSum total{Weighted{1.0, paper}, Weighted{0.25, q}};
  static_assert(DifferentiableObjective<decltype(total), Image<double>>);
  const Image<double> x = test::random_image<double>(8, 9, 4);
  Image<double> g, g_paper, g_q;
  const double v = total.EvaluateWithGradient(x, g);
  const double v_paper = paper.EvaluateWithGradient(x, g_paper);
  q.Gradient(x, g_q);
  CHECK(v == doctest::Approx(v_paper + 0.25 * q.Evaluate(x)));
  CHECK(test::relative_max_diff(g, Image<double>(g_paper + 0.25 * g_q)) < 1e-12);
  CHECK(total.Evaluate(x) == doctest::Approx(v));
}
