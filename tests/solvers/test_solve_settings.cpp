// solvers::solve_options (solve_settings.hpp): the words of `ismooth solve`'s
// flags and the Python module's keywords turned into SolveOptions.
#include <doctest/doctest.h>

#include "ismooth/solvers/solve_settings.hpp"

namespace {

using namespace ismooth;
using namespace ismooth::solvers;

SolveSettings named(const char* solver) {
  SolveSettings s;
  s.solver = solver;
  return s;
}

TEST_CASE("solve_options: each solver's defaults, Adam's rate by p map, settings applied") {
  const SolveOptions defaults;
  const SolveOptions adaptive = solve_options(named("adam"), PMapKind::adaptive);
  CHECK(adaptive.adam.learning_rate == 0.5);
  CHECK(solve_options(named("adam"), PMapKind::all_lp).adam.learning_rate ==
        defaults.adam.learning_rate);

  SolveSettings s = named("lbfgs");
  s.iterations = 7;
  s.epsilon = 0.5;
  s.memory = 3;
  const SolveOptions o = solve_options(s, PMapKind::adaptive);
  CHECK(o.lbfgs.max_iterations == 7);
  CHECK(o.lbfgs.smoothing_epsilon == 0.5);
  CHECK(o.lbfgs.memory == 3);
  CHECK(o.irls.expansion_floor == defaults.irls.expansion_floor);  // epsilon goes to the chosen solver

  SolveSettings i = named("irls");
  i.epsilon = 0.1;
  i.linear_solver = "pcg";
  const SolveOptions io = solve_options(i, PMapKind::all_l2);
  CHECK(io.irls.expansion_floor == 0.1);
  CHECK(io.irls.linear_solver == IrlsOptions::LinearSolver::pcg);

  SolveSettings a = named("adam");
  a.learning_rate = 2;
  a.schedule = "cosine";
  const SolveOptions ao = solve_options(a, PMapKind::adaptive);
  CHECK(ao.adam.learning_rate == 2);
  CHECK(ao.adam.schedule == AdamSchedule::cosine);
}

TEST_CASE("solve_options: settings of another solver and unknown words are refused, spelt") {
  SolveSettings s = named("lbfgs");
  s.learning_rate = 1;
  CHECK_THROWS_WITH_AS(solve_options(s, PMapKind::adaptive),
                       "--learning-rate applies to --solver adam, not lbfgs", Error);
  CHECK_THROWS_WITH_AS(solve_options(s, PMapKind::adaptive, Spelling::keyword),
                       "learning_rate applies to solver adam, not lbfgs", Error);
  SolveSettings m = named("adam");
  m.memory = 3;
  CHECK_THROWS_WITH_AS(solve_options(m, PMapKind::adaptive),
                       "--memory applies to --solver lbfgs, not adam", Error);
  SolveSettings e = named("adam");
  e.epsilon = 1;
  CHECK_THROWS_WITH_AS(solve_options(e, PMapKind::adaptive),
                       "--epsilon applies to --solver lbfgs or irls, not adam", Error);
  SolveSettings l = named("irls");
  l.linear_solver = "lu";
  CHECK_THROWS_WITH_AS(solve_options(l, PMapKind::all_l2),
                       "--linear-solver lu: expected auto, cholmod or pcg", Error);
  CHECK_THROWS_WITH_AS(solve_options(named(""), PMapKind::adaptive),
                       "--solver is required (irls, adam or lbfgs)", Error);
  CHECK_THROWS_WITH_AS(settings_solver(named("newton"), Spelling::keyword),
                       "solver newton: expected irls, adam or lbfgs", Error);
}

}  // namespace
