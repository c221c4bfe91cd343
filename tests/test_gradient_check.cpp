// check_gradient: catches a planted wrong gradient, passes right ones (the
// paper's terms and the robust penalty terms).
#include <doctest/doctest.h>

#include "ismooth/gradient_check.hpp"
#include "ismooth/penalty_terms.hpp"
#include "ismooth/presets.hpp"
#include "test_support.hpp"

using namespace ismooth;

namespace {

/// Σ log cosh(x − c) with a gradient that is right except at one planted
/// entry (scaled by `factor` there).
struct PlantedLogCosh {
  Image<double> c;
  std::size_t planted = 0;
  double factor = 1;
  double Evaluate(const Image<double>& x) const {
    double s = 0;
    for (std::size_t k = 0; k < x.size(); ++k) s += std::log(std::cosh(x.data()[k] - c.data()[k]));
    return s;
  }
  void Gradient(const Image<double>& x, Image<double>& g) const {
    g.resize(x.shape());
    for (std::size_t k = 0; k < x.size(); ++k) g.data()[k] = std::tanh(x.data()[k] - c.data()[k]);
    g.data()[planted] *= factor;
  }
};

}  // namespace

TEST_CASE("check_gradient passes a right gradient and names a planted wrong entry") {
  const Image<double> c = test::random_image<double>(5, 6, 1, -2, 2);
  const Image<double> x = test::random_image<double>(5, 6, 2, -2, 2);
  PlantedLogCosh f{c, 47, 1.0};
  const GradientCheckResult right = check_gradient(f, x);
  INFO(right.message);
  CHECK(right.ok);
  CHECK(right.checked == x.size());
  CHECK(right.max_relative_error < 1e-6);

  f.factor = 1.01;  // a 1% error in one entry of 90
  const GradientCheckResult wrong = check_gradient(f, x);
  INFO(wrong.message);
  CHECK_FALSE(wrong.ok);
  CHECK(wrong.worst_index == 47);
  CHECK(wrong.max_relative_error == doctest::Approx(0.01 / 1.01).epsilon(1e-4));
  CHECK(wrong.analytic == doctest::Approx(1.01 * std::tanh(x.data()[47] - c.data()[47])));
  CHECK(wrong.message.find("FAILED") != std::string::npos);
  CHECK(wrong.message.find("index 47") != std::string::npos);

  // A sign error is caught too, and max_entries samples evenly.
  f.factor = -1;
  GradientCheckOptions o;
  o.max_entries = 10;  // entries 0, 9, 18, ..., 81: misses 47
  CHECK(check_gradient(f, x, o).ok);
  CHECK(check_gradient(f, x, o).checked == 10);
  CHECK_FALSE(check_gradient(f, x).ok);

  o.step = 0;
  CHECK(test::error_of([&] { check_gradient(f, x, o); }).find("step") != std::string::npos);
}

TEST_CASE("check_gradient on the library's terms: paper energy, robust penalty terms") {
  const Image<double> input = test::random_image<double>(7, 8, 3);
  const auto paper = make_energy(input, Preset::smoothing, preset_params(Preset::smoothing), {},
                                 PMap{PMapKind::all_lp});
  const Image<double> x = input + test::random_image<double>(7, 8, 4, -20, 20);
  GradientCheckOptions o;
  o.tolerance = 1e-5;
  const auto p = check_gradient(paper, x, o);
  INFO(p.message);
  CHECK(p.ok);
  const Image<double> target = test::random_image<double>(7, 8, 5);
  const auto huber = check_gradient(ResidualPenalty{target, HuberPenalty{10.0}}, x, o);
  const auto charbonnier = check_gradient(NeighbourPenalty{CharbonnierPenalty{2.0}}, x, o);
  const auto log_cosh = check_gradient(NeighbourPenalty{LogCoshPenalty{5.0}}, x, o);
  INFO(huber.message << "\n" << charbonnier.message << "\n" << log_cosh.message);
  CHECK(huber.ok);
  CHECK(charbonnier.ok);
  CHECK(log_cosh.ok);
}
