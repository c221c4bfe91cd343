#pragma once
/// \file
/// The solver settings a user names (the flags of `ismooth solve`, the
/// keywords of the Python module's `ismooth.solve`), checked and turned into
/// SolveOptions for the paper's energy, so both run the same solver with the
/// same options on the same words:
///
///     SolveSettings s;  s.solver = "adam";  s.iterations = 50;
///     SolveOptions o = solve_options(s, PMapKind::adaptive);   // lr 0.5
///
/// A setting given for a solver that does not use it is an error (no silent
/// no-ops). Ranges are the solvers' own IsValid checks.

#include <optional>
#include <string>

#include "ismooth/energy_params.hpp"
#include "ismooth/option_spelling.hpp"
#include "ismooth/solvers/solve.hpp"

namespace ismooth::solvers {

/// What a user may choose; unset / empty: the solver's default.
struct SolveSettings {
  std::string solver;                   ///< irls, adam or lbfgs (required)
  std::optional<int> iterations;        ///< every solver
  std::optional<double> learning_rate;  ///< adam
  std::string schedule;                 ///< adam: constant or cosine
  std::optional<double> epsilon;        ///< the older name of the next two, by solver
  std::optional<double> smoothing_epsilon;  ///< lbfgs: smoothing of |d|^p (lbfgs.hpp)
  std::optional<double> expansion_floor;    ///< irls: floor of the majoriser's weights (irls.hpp)
  std::optional<int> memory;            ///< lbfgs: correction pairs
  std::string linear_solver;            ///< irls: auto, cholmod or pcg
};

/// The solver `settings.solver` names; throws ismooth::Error for none or another name.
inline SolverKind settings_solver(const SolveSettings& settings,
                                  Spelling spelling = Spelling::flag) {
  const std::string name = option_name("solver", spelling);
  require(!settings.solver.empty(), name, " is required (", kSolverNames, ")");
  const auto kind = find_solver(settings.solver);
  require(kind.has_value(), name, " ", settings.solver, ": expected ", kSolverNames);
  return *kind;
}

/// The options of the chosen solver for the paper's energy with p map
/// `pmap`: each solver's defaults, except Adam's learning rate, which is 0.5
/// for the adaptive map (measured, adam.hpp: its L2 mask flips for lr ≥
/// c2/12) and the solver's 5 for the fixed maps of the solver study. Throws
/// ismooth::Error for a setting of another solver or an unknown word.
inline SolveOptions solve_options(const SolveSettings& s, PMapKind pmap,
                                  Spelling spelling = Spelling::flag) {
  const SolverKind kind = settings_solver(s, spelling);
  auto only_for = [&](bool given, const char* key, std::initializer_list<SolverKind> users) {
    if (!given) return;
    std::string names;
    for (SolverKind u : users) {
      if (u == kind) return;
      names += std::string(names.empty() ? "" : " or ") + to_string(u);
    }
    fail(option_name(key, spelling), " applies to ", option_name("solver", spelling), " ", names,
         ", not ", to_string(kind));
  };
  only_for(s.learning_rate.has_value(), "learning_rate", {SolverKind::adam});
  only_for(!s.schedule.empty(), "schedule", {SolverKind::adam});
  only_for(s.epsilon.has_value(), "epsilon", {SolverKind::lbfgs, SolverKind::irls});
  only_for(s.smoothing_epsilon.has_value(), "smoothing_epsilon", {SolverKind::lbfgs});
  only_for(s.expansion_floor.has_value(), "expansion_floor", {SolverKind::irls});
  require(!s.epsilon || !(s.smoothing_epsilon || s.expansion_floor),
          option_name("epsilon", spelling), " is the older name of ",
          option_name("smoothing_epsilon", spelling), " (lbfgs) and ",
          option_name("expansion_floor", spelling), " (irls): give one of them");
  only_for(s.memory.has_value(), "memory", {SolverKind::lbfgs});
  only_for(!s.linear_solver.empty(), "linear_solver", {SolverKind::irls});

  SolveOptions o;
  if (s.iterations) o.set_max_iterations(*s.iterations);
  if (s.learning_rate)
    o.adam.learning_rate = *s.learning_rate;
  else if (pmap == PMapKind::adaptive)
    o.adam.learning_rate = 0.5;
  if (s.schedule == "cosine")
    o.adam.schedule = AdamSchedule::cosine;
  else
    require(s.schedule.empty() || s.schedule == "constant", option_name("schedule", spelling), " ",
            s.schedule, ": expected constant or cosine");
  if (s.epsilon)
    (kind == SolverKind::lbfgs ? o.lbfgs.smoothing_epsilon : o.irls.expansion_floor) = *s.epsilon;
  if (s.smoothing_epsilon) o.lbfgs.smoothing_epsilon = *s.smoothing_epsilon;
  if (s.expansion_floor) o.irls.expansion_floor = *s.expansion_floor;
  if (s.memory) o.lbfgs.memory = *s.memory;
  if (s.linear_solver == "cholmod")
    o.irls.linear_solver = IrlsOptions::LinearSolver::cholmod;
  else if (s.linear_solver == "pcg")
    o.irls.linear_solver = IrlsOptions::LinearSolver::pcg;
  else
    require(s.linear_solver.empty() || s.linear_solver == "auto",
            option_name("linear_solver", spelling), " ", s.linear_solver,
            ": expected auto, cholmod or pcg");
  return o;
}

}  // namespace ismooth::solvers
