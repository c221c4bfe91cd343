#pragma once
/// \file
/// What every solver of ismooth returns (after Ceres' Solver::Summary): the
/// termination, the energies, and one record per iteration, so experiment
/// drivers plot IRLS, Adam, L-BFGS and the CNN trainer the same way.

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ismooth {

enum class TerminationType {
  convergence,    ///< the stopping rule of the options was met
  no_convergence, ///< the iteration budget ran out first
  user_success,   ///< a callback asked to stop, keeping the result
  user_abort,     ///< a callback asked to abort
  failure,        ///< a numerical failure (NaN, not positive definite, ...)
};

inline const char* to_string(TerminationType t) {
  switch (t) {
    case TerminationType::convergence: return "convergence";
    case TerminationType::no_convergence: return "no_convergence";
    case TerminationType::user_success: return "user_success";
    case TerminationType::user_abort: return "user_abort";
    case TerminationType::failure: return "failure";
  }
  return "?";
}

/// One iteration. Energies are the exact ones (ε = 0) on the 0–255 scale;
/// terms are unweighted as in EnergyTerms, and NaN where the objective is
/// not the paper's energy (a user's term has no breakdown).
struct IterationRecord {
  int iteration = 0;            ///< 0 = the initial point
  double energy = 0;            ///< total
  double data = 0, flatten = 0, edge = 0;
  double l2_fraction = 0;       ///< fraction of pixels in the L2 mask
  double energy_change = 0;     ///< previous − current (positive = decrease)
  double gradient_norm = 0;     ///< ‖∇E‖₂ where the solver has it, else NaN
  double step_norm = 0;         ///< ‖T_k − T_{k−1}‖₂
  double seconds = 0;           ///< wall time since the solve started
  /// Solver-specific numbers: "cg_iterations", "line_search_evaluations",
  /// "learning_rate", ...
  std::map<std::string, double> extras;
};

/// What a callback may ask after each iteration.
enum class CallbackReturn { continue_solving, abort, stop_with_success };

using IterationCallback = std::function<CallbackReturn(const IterationRecord&)>;

struct Summary {
  std::string solver;  ///< "irls", "adam", "lbfgs", "cnn", ...
  TerminationType termination = TerminationType::no_convergence;
  std::string message;
  double initial_energy = 0;
  double final_energy = 0;
  double seconds = 0;
  std::vector<IterationRecord> iterations;  ///< iterations[0] is the start

  /// Iterations actually taken (records minus the initial one).
  int num_iterations() const { return iterations.empty() ? 0 : int(iterations.size()) - 1; }

  bool IsSolutionUsable() const {
    return termination == TerminationType::convergence ||
           termination == TerminationType::no_convergence ||
           termination == TerminationType::user_success;
  }

  /// One line: solver, iterations, energies, termination.
  std::string BriefReport() const {
    char line[512];
    std::snprintf(line, sizeof line, "%s: %d iterations, energy %.9g -> %.9g, %s (%s), %.3f s",
                  solver.c_str(), num_iterations(), initial_energy, final_energy,
                  to_string(termination), message.c_str(), seconds);
    return line;
  }

  /// The brief report plus a table of every iteration.
  std::string FullReport() const {
    std::string out = BriefReport() + "\n";
    out += "  iter        energy          data       flatten          edge     l2   "
           "|step|      time\n";
    for (const auto& r : iterations) {
      char line[256];
      std::snprintf(line, sizeof line, "  %4d %13.7g %13.7g %13.7g %13.7g %6.3f %8.3g %9.3f\n",
                    r.iteration, r.energy, r.data, r.flatten, r.edge, r.l2_fraction, r.step_norm,
                    r.seconds);
      out += line;
    }
    return out;
  }
};

}  // namespace ismooth
