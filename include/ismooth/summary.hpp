#pragma once
/// \file
/// What every solver of ismooth returns (after Ceres' Solver::Summary): the
/// termination, the energies, and one record per iteration, so experiment
/// drivers plot IRLS, Adam, L-BFGS and the CNN trainer the same way.

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <typeinfo>
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

/// One iteration. Energies are the exact ones (ε = 0) on the 0–255 scale.
/// data/flatten/edge/l2_fraction are the paper energy's unweighted terms (as
/// in EnergyTerms): of the objective when it is the paper's energy, of the
/// first part that is when it is a WeightedSum, NaN otherwise. A
/// WeightedSum also puts each part's unweighted value in the extra
/// "term:NAME" (weighted_sum.hpp).
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

/// Read-only access to a solver's current iterate, whatever its type X.
class IterateView {
 public:
  IterateView() = default;
  template <class X>
  explicit IterateView(const X& x) : object_(&x), type_(&typeid(X)) {}

  /// The iterate if it is an X (e.g. Image<float>), else null (a solver
  /// over another type, or none: the CNN trainer's records have no iterate).
  template <class X>
  const X* get() const {
    return type_ && *type_ == typeid(X) ? static_cast<const X*>(object_) : nullptr;
  }
  explicit operator bool() const { return object_ != nullptr; }

 private:
  const void* object_ = nullptr;
  const std::type_info* type_ = nullptr;
};

/// What a callback sees after each iteration: the record and, from the
/// per-image solvers, the iterate it describes (valid during the call only;
/// copy it to keep it, as KeepBest in callbacks.hpp does). Converts to the
/// record, so callbacks written as `CallbackReturn(const IterationRecord&)`
/// keep working unchanged.
struct IterationState {
  // Implicit: code that has only a record (the trainer) calls callbacks with it.
  IterationState(const IterationRecord& r, IterateView x = {}) : record(r), iterate(x) {}
  operator const IterationRecord&() const { return record; }

  /// The iterate as X, or null (see IterateView::get).
  template <class X>
  const X* x() const {
    return iterate.get<X>();
  }

  const IterationRecord& record;
  IterateView iterate;
};

/// Called after every iteration (iteration 0, the start, included). Takes
/// `const IterationState&`, or `const IterationRecord&` (older callbacks).
/// Ready-made ones: callbacks.hpp.
using IterationCallback = std::function<CallbackReturn(const IterationState&)>;

struct Summary {
  std::string solver;  ///< "irls", "adam", "lbfgs", "cnn", ...
  TerminationType termination = TerminationType::no_convergence;
  std::string message;
  double initial_energy = 0;
  /// Energy of the iterate the solver returned in x: the last one, except
  /// for IRLS with IrlsOptions::keep_best (the best one).
  double final_energy = 0;
  double seconds = 0;
  std::vector<IterationRecord> iterations;  ///< iterations[0] is the start
  /// The iteration whose iterate the solver returned in x; −1 = the last
  /// record's (see resolved_returned_iteration).
  int returned_iteration = -1;
  /// The record with the lowest finite energy, and that energy (NaN when no
  /// record has one). Adam and L-BFGS return their last iterate, which need
  /// not be the best; KeepBest (callbacks.hpp) keeps a copy of the best.
  int best_iteration = 0;
  double best_energy = std::nan("");

  /// returned_iteration, with −1 resolved to the last record's iteration.
  int resolved_returned_iteration() const {
    return returned_iteration >= 0 || iterations.empty() ? returned_iteration
                                                         : iterations.back().iteration;
  }

  /// Sets best_iteration and best_energy from the records (the first of
  /// equal lowest energies).
  void set_best_from_records() {
    best_energy = std::nan("");
    best_iteration = 0;
    for (const auto& r : iterations)
      if (std::isfinite(r.energy) && !(r.energy >= best_energy)) {
        best_energy = r.energy;
        best_iteration = r.iteration;
      }
  }

  /// Iterations actually taken (records minus the initial one).
  int num_iterations() const { return iterations.empty() ? 0 : int(iterations.size()) - 1; }

  bool IsSolutionUsable() const {
    return termination == TerminationType::convergence ||
           termination == TerminationType::no_convergence ||
           termination == TerminationType::user_success;
  }

  /// One line: solver, iterations, energies, termination; where the
  /// returned iterate is not the last, which one it is.
  std::string BriefReport() const {
    char line[512];
    std::snprintf(line, sizeof line, "%s: %d iterations, energy %.9g -> %.9g, %s (%s), %.3f s",
                  solver.c_str(), num_iterations(), initial_energy, final_energy,
                  to_string(termination), message.c_str(), seconds);
    std::string out = line;
    if (resolved_returned_iteration() != (iterations.empty() ? -1 : iterations.back().iteration)) {
      std::snprintf(line, sizeof line, "; returned iteration %d, the last has energy %.9g",
                    returned_iteration, iterations.back().energy);
      out += line;
    }
    return out;
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
