#pragma once
/// \file
/// The per-image solvers by name, for callers that choose one at run time
/// (a command line, an experiment grid):
///
///     solvers::SolveOptions options;        // each solver's own defaults
///     options.set_max_iterations(50);       // whichever runs
///     Summary s = solvers::solve("lbfgs", options, energy, t);
///
/// Each solver keeps its own option struct (irls.hpp, adam.hpp, lbfgs.hpp:
/// stopping rules, defaults and their measurements are documented there);
/// SolveOptions holds one of each and solve() uses the chosen one.

#include <optional>
#include <string>
#include <string_view>

#include "ismooth/error.hpp"
#include "ismooth/solvers/adam.hpp"
#include "ismooth/solvers/irls.hpp"
#include "ismooth/solvers/lbfgs.hpp"

namespace ismooth::solvers {

enum class SolverKind {
  irls,   ///< solve_irls: needs a Majorisable objective (the paper's energy without edge term)
  adam,   ///< solve_adam
  lbfgs,  ///< solve_lbfgs
};

/// The names solve() accepts, as an error message lists them.
inline constexpr const char* kSolverNames = "irls, adam or lbfgs";

inline const char* to_string(SolverKind kind) {
  switch (kind) {
    case SolverKind::irls:
      return "irls";
    case SolverKind::adam:
      return "adam";
    case SolverKind::lbfgs:
      return "lbfgs";
  }
  return "?";
}

/// The solver called `name` ("irls", "adam", "lbfgs"), or nothing.
inline std::optional<SolverKind> find_solver(std::string_view name) {
  for (SolverKind k : {SolverKind::irls, SolverKind::adam, SolverKind::lbfgs})
    if (name == to_string(k)) return k;
  return std::nullopt;
}

/// The solver called `name`; throws ismooth::Error for another name.
inline SolverKind parse_solver(std::string_view name) {
  const std::optional<SolverKind> kind = find_solver(name);
  require(kind.has_value(), "solver '", name, "': expected ", kSolverNames);
  return *kind;
}

/// One option struct per solver; solve() reads the chosen solver's.
struct SolveOptions {
  IrlsOptions irls;
  AdamOptions adam;
  LbfgsOptions lbfgs;

  /// Sets max_iterations of every solver (only the chosen one runs).
  SolveOptions& set_max_iterations(int n) {
    irls.max_iterations = adam.max_iterations = lbfgs.max_iterations = n;
    return *this;
  }
  /// Sets the iteration callback of every solver.
  SolveOptions& set_callback(const IterationCallback& callback) {
    irls.callback = adam.callback = lbfgs.callback = callback;
    return *this;
  }
  /// The chosen solver's options are valid; otherwise `*error` says why.
  bool IsValid(SolverKind kind, std::string* error) const {
    switch (kind) {
      case SolverKind::irls:
        return irls.IsValid(error);
      case SolverKind::adam:
        return adam.IsValid(error);
      case SolverKind::lbfgs:
        return lbfgs.IsValid(error);
    }
    return false;
  }
};

/// Minimises f from x (in: the start, out: the last iterate) with the solver
/// `kind` and its options in `options`. IRLS needs f to be Majorisable
/// (majoriser.hpp); asked of another objective it throws ismooth::Error.
template <class F, class X>
Summary solve(SolverKind kind, const SolveOptions& options, const F& f, X& x) {
  if constexpr (!check_objective<F, X>()) {
    return {};  // its static_assert says why
  } else {
    switch (kind) {
      case SolverKind::irls:
        if constexpr (Majorisable<F, X>)
          return solve_irls(options.irls, f, x);
        else
          fail("solve: irls needs an objective with Majorise (majoriser.hpp)");
      case SolverKind::adam:
        return solve_adam(options.adam, f, x);
      case SolverKind::lbfgs:
        return solve_lbfgs(options.lbfgs, f, x);
    }
    fail("solve: unknown solver kind ", int(kind));
  }
}

/// The same with the solver's name: "irls", "adam" or "lbfgs".
template <class F, class X>
Summary solve(std::string_view name, const SolveOptions& options, const F& f, X& x) {
  return solve(parse_solver(name), options, f, x);
}

}  // namespace ismooth::solvers
