// solvers::solve: the per-image solvers by name (solve.hpp). Each name runs
// exactly the solver and options it names; bad names and objectives IRLS
// cannot majorise are refused.
#include "ismooth/solvers/solve.hpp"
#include "solver_problems.hpp"

namespace {

using namespace ismooth;
using namespace ismooth::test;

/// A quadratic with only Evaluate and Gradient: no Majorise, so no IRLS.
struct NotMajorisable {
  Image<double> c;
  double Evaluate(const Image<double>& x) const { return UserQuadratic{c}.Evaluate(x); }
  void Gradient(const Image<double>& x, Image<double>& g) const { UserQuadratic{c}.Gradient(x, g); }
};

TEST_CASE("solve by name runs the named solver with its own options") {
  const auto p = paper_problem<float>(PMapKind::all_lp, 24, 32);
  solvers::SolveOptions options;
  options.set_max_iterations(3);
  options.adam.learning_rate = 2;
  options.lbfgs.memory = 5;

  Image<float> direct = p.initial_point(), by_name = p.initial_point();
  AdamOptions adam = options.adam;
  const Summary expected_adam = solve_adam(adam, p.objective(), direct);
  const Summary adam_by_name = solvers::solve("adam", options, p.objective(), by_name);
  CHECK(adam_by_name.solver == "adam");
  CHECK(adam_by_name.num_iterations() == 3);
  CHECK(adam_by_name.final_energy == expected_adam.final_energy);
  CHECK(by_name == direct);

  direct = by_name = p.initial_point();
  const Summary expected_lbfgs = solve_lbfgs(options.lbfgs, p.objective(), direct);
  const Summary lbfgs_by_kind =
      solvers::solve(solvers::SolverKind::lbfgs, options, p.objective(), by_name);
  CHECK(lbfgs_by_kind.solver == "lbfgs");
  CHECK(lbfgs_by_kind.final_energy == expected_lbfgs.final_energy);
  CHECK(by_name == direct);

  direct = by_name = p.initial_point();
  const Summary expected_irls = solve_irls(options.irls, p.objective(), direct);
  const Summary irls_by_name = solvers::solve("irls", options, p.objective(), by_name);
  CHECK(irls_by_name.solver == "irls");
  CHECK(irls_by_name.final_energy == expected_irls.final_energy);
  CHECK(irls_by_name.final_energy < irls_by_name.initial_energy);
  CHECK(by_name == direct);
}

TEST_CASE("solve: set_callback reaches the chosen solver") {
  UserQuadratic f{make_image<double>(2, 3, 7.0)};
  for (const char* name : {"irls", "adam", "lbfgs"}) {
    CAPTURE(name);
    solvers::SolveOptions options;
    int calls = 0;
    options.set_callback([&](const IterationRecord&) {
      ++calls;
      return CallbackReturn::abort;
    });
    Image<double> x = make_image<double>(2, 3, 1.0);
    const Summary s = solvers::solve(name, options, f, x);
    CHECK(calls == 1);
    CHECK(s.termination == TerminationType::user_abort);
  }
}

TEST_CASE("solve refuses unknown names and IRLS on an objective without Majorise") {
  CHECK(solvers::find_solver("lbfgs") == solvers::SolverKind::lbfgs);
  CHECK_FALSE(solvers::find_solver("newton").has_value());
  CHECK(std::string(solvers::to_string(solvers::parse_solver("irls"))) == "irls");
  Image<double> x = make_image<double>(2, 2, 1.0);
  UserQuadratic quadratic{make_image<double>(2, 2)};
  CHECK_THROWS_WITH_AS(solvers::solve("newton", solvers::SolveOptions{}, quadratic, x),
                       doctest::Contains("expected irls, adam or lbfgs"), Error);
  NotMajorisable plain{make_image<double>(2, 2)};
  CHECK_THROWS_WITH_AS(solvers::solve("irls", solvers::SolveOptions{}, plain, x),
                       doctest::Contains("Majorise"), Error);
  // The other solvers take it.
  const Summary s = solvers::solve("lbfgs", solvers::SolveOptions{}, plain, x);
  CHECK(s.final_energy < 1e-6);
}

TEST_CASE("SolveOptions::IsValid checks the chosen solver's options only") {
  solvers::SolveOptions options;
  options.adam.learning_rate = -1;
  std::string why;
  CHECK(options.IsValid(solvers::SolverKind::lbfgs, &why));
  CHECK_FALSE(options.IsValid(solvers::SolverKind::adam, &why));
  CHECK(why.find("learning_rate") != std::string::npos);
}

}  // namespace
