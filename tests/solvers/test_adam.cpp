// solve_adam: options, records, callbacks, errors (adam.hpp). Its accuracy on
// problems with known answers is in test_solver_problems.cpp.
#include <limits>

#include "ismooth/solvers/adam.hpp"
#include "solver_problems.hpp"

namespace {

using namespace ismooth;
using namespace ismooth::test;

TEST_CASE("AdamOptions::IsValid rejects bad values with a message naming them") {
  std::string why;
  CHECK(AdamOptions{}.IsValid(&why));
  auto rejects = [](auto change, const char* field) {
    AdamOptions o;
    change(o);
    std::string message;
    CHECK_FALSE(o.IsValid(&message));
    CHECK(message.find(field) != std::string::npos);
    CHECK_THROWS_WITH_AS(
        [&] {
          Image<double> x = make_image<double>(2, 2, 1.0);
          solve_adam(o, UserQuadratic{make_image<double>(2, 2)}, x);
        }(),
        doctest::Contains("solve_adam"), Error);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  rejects([](AdamOptions& o) { o.max_iterations = 0; }, "max_iterations");
  rejects([](AdamOptions& o) { o.learning_rate = -1; }, "learning_rate");
  rejects([](AdamOptions& o) { o.learning_rate = 0; }, "learning_rate");
  rejects([=](AdamOptions& o) { o.learning_rate = nan; }, "learning_rate");
  rejects([](AdamOptions& o) { o.beta1 = 1; }, "beta1");
  rejects([](AdamOptions& o) { o.beta2 = -0.1; }, "beta2");
  rejects([](AdamOptions& o) { o.denominator_epsilon = 0; }, "denominator_epsilon");
  rejects([](AdamOptions& o) { o.function_tolerance = -1; }, "function_tolerance");
}

TEST_CASE("solve_adam refuses a non-finite or empty initial point") {
  const UserQuadratic f{make_image<double>(3, 4, 10.0)};
  Image<double> x = make_image<double>(3, 4, 0.0);
  x(1, 2, 3) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(solve_adam(AdamOptions{}, f, x), doctest::Contains("non-finite"), Error);
  x(1, 2, 3) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(solve_adam(AdamOptions{}, f, x), Error);
  Image<double> empty(Image<double>::shape_type{3, 0, 0});
  CHECK_THROWS_AS(solve_adam(AdamOptions{}, f, empty), Error);
}

TEST_CASE("the learning rate is in grey levels: the first step moves every value by lr") {
  // m̂/√v̂ = g/(|g| + ε) at t = 1, so each value moves by lr (minus ε's share).
  const auto problem = quadratic_problem();
  AdamOptions o;
  o.max_iterations = 1;
  o.learning_rate = 0.75;
  Image<double> x = problem.initial_point();
  solve_adam(o, problem.objective(), x);
  const Image<double> x0 = problem.initial_point();
  for (std::size_t k = 0; k < x.size(); ++k)
    CHECK(std::abs(x.data()[k] - x0.data()[k]) == doctest::Approx(0.75).epsilon(1e-4));
}

TEST_CASE("Adam records: one per iteration, exact terms, monotone time, extras") {
  const auto problem = paper_problem<float>(PMapKind::half, 24, 32);
  const auto& f = problem.objective();
  Image<float> x = problem.initial_point();
  AdamOptions o;
  o.max_iterations = 12;
  const Summary s = solve_adam(o, f, x);
  CHECK(s.solver == "adam");
  CHECK(s.termination == TerminationType::no_convergence);
  REQUIRE(s.iterations.size() == 13);
  CHECK(s.num_iterations() == 12);
  CHECK(s.final_energy == doctest::Approx(f.Evaluate(x)).epsilon(1e-12));
  for (std::size_t k = 0; k < s.iterations.size(); ++k) {
    const IterationRecord& r = s.iterations[k];
    CAPTURE(k);
    CHECK(r.iteration == int(k));
    CHECK(r.energy ==
          doctest::Approx(r.data + f.params().lambda_f * r.flatten + f.params().lambda_e * r.edge));
    CHECK(r.l2_fraction == doctest::Approx(0.5));
    CHECK(r.gradient_norm > 0);
    REQUIRE(r.extras.count("learning_rate") == 1);
    CHECK(r.extras.at("learning_rate") == o.learning_rate);
    if (k > 0) {
      CHECK(r.seconds >= s.iterations[k - 1].seconds);
      CHECK(r.energy_change == doctest::Approx(s.iterations[k - 1].energy - r.energy));
      CHECK(r.step_norm > 0);
    }
  }
  CHECK(s.seconds >= s.iterations.back().seconds);
  CHECK(s.FullReport().find("adam: 12 iterations") == 0);
}

TEST_CASE("Adam on a user term: records have no breakdown (NaN), energies are exact") {
  const auto problem = log_cosh_problem();
  Image<double> x = problem.initial_point();
  const Summary s = solve_adam(AdamOptions{}, problem.objective(), x);
  for (const auto& r : s.iterations) {
    CHECK(std::isnan(r.data));
    CHECK(std::isnan(r.l2_fraction));
  }
  CHECK(s.final_energy == doctest::Approx(evaluate(problem.objective(), x)));
}

TEST_CASE("Adam callbacks: stop_with_success and abort are honoured") {
  const auto problem = quadratic_problem();
  std::vector<int> seen;
  AdamOptions o;
  o.callback = [&](const IterationRecord& r) {
    seen.push_back(r.iteration);
    return r.iteration == 3 ? CallbackReturn::stop_with_success : CallbackReturn::continue_solving;
  };
  Image<double> x = problem.initial_point();
  Summary s = solve_adam(o, problem.objective(), x);
  CHECK(s.termination == TerminationType::user_success);
  CHECK(s.IsSolutionUsable());
  CHECK(seen == std::vector<int>{0, 1, 2, 3});
  CHECK(s.num_iterations() == 3);
  CHECK(s.final_energy == doctest::Approx(evaluate(problem.objective(), x)));

  o.callback = [](const IterationRecord& r) {
    return r.iteration == 0 ? CallbackReturn::abort : CallbackReturn::continue_solving;
  };
  x = problem.initial_point();
  s = solve_adam(o, problem.objective(), x);
  CHECK(s.termination == TerminationType::user_abort);
  CHECK_FALSE(s.IsSolutionUsable());
  CHECK(s.num_iterations() == 0);
  CHECK(x == problem.initial_point());
}

TEST_CASE("Adam function_tolerance stops with convergence") {
  const auto problem = quadratic_problem();
  AdamOptions o;
  o.max_iterations = 5000;
  o.function_tolerance = 1e-3;
  Image<double> x = problem.initial_point();
  const Summary s = solve_adam(o, problem.objective(), x);
  CHECK(s.termination == TerminationType::convergence);
  CHECK(s.num_iterations() < 5000);
  const auto& last = s.iterations.back();
  CHECK(std::abs(last.energy_change) <= 1e-3 * (last.energy + last.energy_change));
}

TEST_CASE("Adam cosine schedule: the learning rate decays from lr towards 0") {
  const auto problem = quadratic_problem();
  AdamOptions o;
  o.max_iterations = 40;
  o.learning_rate = 2;
  o.schedule = AdamSchedule::cosine;
  Image<double> x = problem.initial_point();
  const Summary s = solve_adam(o, problem.objective(), x);
  CHECK(s.iterations[1].extras.at("learning_rate") == doctest::Approx(2));
  for (std::size_t k = 2; k < s.iterations.size(); ++k)
    CHECK(s.iterations[k].extras.at("learning_rate") <
          s.iterations[k - 1].extras.at("learning_rate"));
  CHECK(s.iterations.back().extras.at("learning_rate") < 0.01);
}

// Finite where every value is below 300, NaN beyond: Adam walks into the NaN.
struct NanBeyond300 {
  double Evaluate(const Image<double>& x) const {
    double s = 0;
    for (double v : x)
      s += v > 300 ? std::numeric_limits<double>::quiet_NaN() : (v - 400) * (v - 400);
    return s;
  }
  void Gradient(const Image<double>& x, Image<double>& g) const {
    g.resize(x.shape());
    for (std::size_t k = 0; k < x.size(); ++k) g.data()[k] = 2 * (x.data()[k] - 400);
  }
};

TEST_CASE("Adam reports a non-finite energy as failure and keeps the last finite iterate") {
  AdamOptions o;
  o.learning_rate = 4;
  Image<double> x = make_image<double>(2, 3, 290.0);
  const Summary s = solve_adam(o, NanBeyond300{}, x);
  CHECK(s.termination == TerminationType::failure);
  CHECK(s.message.find("non-finite") != std::string::npos);
  CHECK(s.num_iterations() == 2);                           // 290 → 294 → 298, then 302 is NaN
  CHECK(x(0, 0, 0) == doctest::Approx(298).epsilon(1e-4));  // ≈ lr per step
  CHECK(std::isfinite(s.final_energy));
}

}  // namespace
