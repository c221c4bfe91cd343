#pragma once
/// \file
/// L-BFGS on one image through Ceres' GradientProblemSolver (LBFGS direction,
/// Wolfe line search), for any DifferentiableObjective (objective.hpp).
///
///     Summary s = solve_lbfgs(LbfgsOptions{}, energy, t);   // t: Image<float>, 0–255
///
/// **Minimised vs reported objective.** The flattening penalty |d|^p with
/// p < 1 has an unbounded gradient at d = 0, which upsets the line search, so
/// L-BFGS minimises the smoothed penalty of docs/spec/energy.md §10,
/// (d² + ε²)^{p/2} − ε^p with ε = LbfgsOptions::smoothing_epsilon, while
/// every record reports the exact (ε = 0) energy. Smoothing is a property of
/// the objective (the Smoothable customisation point, objective.hpp): the
/// paper's SmoothingEnergy has it, and a WeightedSum smooths its Smoothable
/// parts, so a sum containing the paper's energy is minimised smoothed too.
/// Other objectives are minimised as given; the four-argument overload takes
/// the minimised and the reported objective separately.
///
/// Before smoothing was inherited by sums, a WeightedSum containing the
/// paper's energy was minimised unsmoothed. Near d = 0 the gradient of
/// |d|^0.8 changes by orders of magnitude within a grey level, so Wolfe
/// steps shrink to nothing; where Ceres' parameter or function tolerance then
/// fires on the vanishing step it reports "convergence" (the 11–16-iteration
/// stops of issue 14): a stall, not a minimum. Where it does not, progress is
/// just slow (measured in docs/solvers.md, "L-BFGS").
///
/// **Data layout.** Ceres works on one double parameter block of x.size()
/// values (x's flat, planar order). Each evaluation copies it into a scratch
/// X (rounding to float for Image<float>) and copies the gradient back: O(N)
/// per evaluation against the energy's O(N·h²). With float images the
/// objective the line search sees is that of the rounded point (steps below
/// ~1e-5 grey levels are invisible), which is harmless at the tolerances below.
///
/// **Records.** Ceres calls our IterationCallback at the end of every iteration
/// (0 included) with `update_state_every_iteration = true`, so the parameter
/// block holds the current point there; the record's exact energy and terms
/// are evaluated at it (one extra Evaluate per iteration when the minimised
/// and reported objectives differ; reused from the line search when they are
/// the same object). gradient_norm and step_norm are Ceres' (of the minimised
/// objective); extras: "line_search_evaluations" (objective evaluations, each
/// with gradient, since the previous record, the initial one included at
/// iteration 0), "line_search_iterations", "step_size" and "minimised_energy"
/// (the smoothed value Ceres minimises). An iteration on which a Ceres
/// convergence test fires runs no callback; it is recorded after Solve.
///
/// **Stalls.** A line search that finds no decrease (only NaN ahead, or a
/// point where every step raises the energy) shrinks its step below Ceres'
/// min_line_search_step_size, takes a zero step, and Ceres then reports
/// convergence by "Parameter tolerance ... Relative step_norm: 0". This
/// happens at T = I on the *adaptive* map when some E_i(I) = 0 (flat black or
/// white areas): Eq. 8's zeroed-guidance rule puts such a pixel in the L2
/// mask as soon as its neighbourhood changes at all, so every step, however
/// small, adds its α-weighted L2 penalty (docs/solvers.md, "L-BFGS").

// Ceres' gradient_problem.h includes glog, whose CHECK, CHECK_EQ, ... would
// silently replace the test frameworks' macros of the same names (doctest,
// Catch2) in every file that includes this header. Those seven names keep
// whatever meaning they had before this header; a file that wants glog's
// CHECK must include <glog/logging.h> before it.
#pragma push_macro("CHECK")
#pragma push_macro("CHECK_EQ")
#pragma push_macro("CHECK_NE")
#pragma push_macro("CHECK_LT")
#pragma push_macro("CHECK_LE")
#pragma push_macro("CHECK_GT")
#pragma push_macro("CHECK_GE")
#include <ceres/first_order_function.h>
#include <ceres/gradient_problem.h>
#include <ceres/gradient_problem_solver.h>
#include <ceres/iteration_callback.h>
#pragma pop_macro("CHECK")
#pragma pop_macro("CHECK_EQ")
#pragma pop_macro("CHECK_NE")
#pragma pop_macro("CHECK_LT")
#pragma pop_macro("CHECK_LE")
#pragma pop_macro("CHECK_GT")
#pragma pop_macro("CHECK_GE")

#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <type_traits>
#include <vector>

#include "ismooth/smoothing_energy.hpp"
#include "ismooth/solvers/solve_common.hpp"

namespace ismooth {

/// Options of solve_lbfgs. Stopping rules (Ceres' LineSearchMinimizer):
/// - |E_{k−1} − E_k| ≤ function_tolerance·E_{k−1} (minimised objective) → convergence;
/// - max_i |∇E_i| ≤ gradient_tolerance → convergence;
/// - ‖Δx‖₂ ≤ parameter_tolerance·(‖x‖₂ + parameter_tolerance) → convergence;
/// - the callback returns abort / stop_with_success → user_abort / user_success;
/// - `max_iterations` done → no_convergence;
/// - the line search finds no acceptable step (e.g. non-finite values) →
///   failure, x left at the last recorded iterate.
struct LbfgsOptions {
  int max_iterations = 100;  ///< L-BFGS iterations (each one line search)
  int memory = 20;           ///< correction pairs kept (Ceres' max_lbfgs_rank)
  double function_tolerance = 1e-6;
  double gradient_tolerance = 1e-10;
  double parameter_tolerance = 1e-8;
  /// Smoothing ε of the penalty, in grey levels, applied to Smoothable
  /// objectives (see \file; EnergyParams::epsilon of the minimised copy); 0 =
  /// minimise the exact energy (the line search then stalls on the
  /// unsmoothed |d|^0.8). Default 0.25: the lowest exact energy after 100
  /// iterations of the values compared in docs/solvers.md, "L-BFGS". (The
  /// CLI's `--epsilon` for lbfgs.)
  double smoothing_epsilon = 0.25;
  /// Scale the initial inverse Hessian by sᵀy/yᵀy (Oren; Nocedal & Wright
  /// Eq. 7.20). Without it the first trial step is −∇E, which the 1/(3N)
  /// normaliser makes ~1e-5 grey levels, and the line search wastes
  /// evaluations growing it.
  bool eigenvalue_scaling = true;
  int max_line_search_steps = 20;  ///< trial steps per line search
  /// Called with every record, iteration 0 (the start) included.
  IterationCallback callback;

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    auto nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
    if (max_iterations < 1)
      return bad("max_iterations must be >= 1, got " + std::to_string(max_iterations));
    if (memory < 1) return bad("memory must be >= 1, got " + std::to_string(memory));
    if (!nonneg(function_tolerance))
      return bad("function_tolerance must be finite and >= 0, got " +
                 std::to_string(function_tolerance));
    if (!nonneg(gradient_tolerance))
      return bad("gradient_tolerance must be finite and >= 0, got " +
                 std::to_string(gradient_tolerance));
    if (!nonneg(parameter_tolerance))
      return bad("parameter_tolerance must be finite and >= 0, got " +
                 std::to_string(parameter_tolerance));
    if (!nonneg(smoothing_epsilon))
      return bad("smoothing_epsilon must be finite and >= 0, got " +
                 std::to_string(smoothing_epsilon));
    if (max_line_search_steps < 1)
      return bad("max_line_search_steps must be >= 1, got " +
                 std::to_string(max_line_search_steps));
    return true;
  }
};

/// energy.Smoothed(epsilon) (smoothing_energy.hpp), under its older name.
template <class Scalar>
SmoothingEnergy<Scalar> with_epsilon(const SmoothingEnergy<Scalar>& energy, double epsilon) {
  return energy.Smoothed(epsilon);
}

namespace detail {

/// The minimised objective as Ceres sees it; remembers the last evaluation
/// (point and record) so a callback at that point can reuse it, and any
/// exception, which must not unwind through Ceres' frames.
template <class F, class X>
class CeresObjective final : public ceres::FirstOrderFunction {
 public:
  CeresObjective(const F& f, const X& like) : f_(f), x_(like), g_(like) {}

  bool Evaluate(const double* p, double* cost, double* gradient) const override {
    if (error) return false;
    try {
      ++evaluations;
      load(p, x_);
      last = evaluate_record(f_, x_, gradient ? &g_ : nullptr);
      last_point.assign(p, p + x_.size());
      *cost = last.energy;
      if (!std::isfinite(*cost)) return false;
      if (gradient) {
        for (std::size_t k = 0; k < g_.size(); ++k) {
          gradient[k] = double(g_.data()[k]);
          if (!std::isfinite(gradient[k])) return false;
        }
      }
      return true;
    } catch (...) {
      error = std::current_exception();
      return false;
    }
  }
  int NumParameters() const override { return int(x_.size()); }

  static void load(const double* p, X& x) {
    using Scalar = std::remove_cvref_t<decltype(*x.data())>;
    for (std::size_t k = 0; k < x.size(); ++k) x.data()[k] = static_cast<Scalar>(p[k]);
  }
  bool last_is_at(const double* p) const {
    return last_point.size() == x_.size() &&
           std::memcmp(last_point.data(), p, x_.size() * sizeof(double)) == 0;
  }

  mutable long evaluations = 0;
  mutable IterationRecord last;
  mutable std::vector<double> last_point;
  mutable std::exception_ptr error;

 private:
  const F& f_;
  mutable X x_, g_;
};

/// Turns Ceres' iterations into IterationRecords of the reported objective.
template <class F, class R, class X>
class CeresRecorder final : public ceres::IterationCallback {
 public:
  CeresRecorder(const CeresObjective<F, X>& minimised, const R& report, bool same, const double* p,
                const X& like, const ismooth::IterationCallback& user, Summary& summary,
                const Stopwatch& clock)
      : minimised_(minimised),
        report_(report),
        same_(same),
        p_(p),
        x_(like),
        user_(user),
        summary_(summary),
        clock_(clock) {}

  ceres::CallbackReturnType operator()(const ceres::IterationSummary& cs) override {
    try {
      record(cs);
      if (callback_stops(run_callback(user_, summary_.iterations.back(), x_), summary_))
        return summary_.termination == TerminationType::user_abort
                   ? ceres::SOLVER_ABORT
                   : ceres::SOLVER_TERMINATE_SUCCESSFULLY;
      return ceres::SOLVER_CONTINUE;
    } catch (...) {
      error = std::current_exception();
      return ceres::SOLVER_ABORT;
    }
  }

  /// Appends the record of Ceres iteration `cs` at the point in the block.
  void record(const ceres::IterationSummary& cs) {
    IterationRecord r;
    CeresObjective<F, X>::load(p_, x_);  // also the iterate callbacks see
    if (same_ && minimised_.last_is_at(p_)) {
      r = minimised_.last;
      r.gradient_norm = kNaN;
    } else {
      r = evaluate_record(report_, x_);
    }
    r.iteration = cs.iteration;
    r.energy_change =
        summary_.iterations.empty() ? 0 : summary_.iterations.back().energy - r.energy;
    r.gradient_norm = cs.gradient_norm;
    r.step_norm = cs.step_norm;
    r.seconds = clock_.seconds();
    r.extras["line_search_evaluations"] = double(minimised_.evaluations - counted_);
    r.extras["line_search_iterations"] = cs.line_search_iterations;
    r.extras["step_size"] = cs.step_size;
    r.extras["minimised_energy"] = cs.cost;
    counted_ = minimised_.evaluations;
    summary_.iterations.push_back(std::move(r));
  }

  std::exception_ptr error;

 private:
  const CeresObjective<F, X>& minimised_;
  const R& report_;
  bool same_;
  const double* p_;
  X x_;
  const ismooth::IterationCallback& user_;
  Summary& summary_;
  const Stopwatch& clock_;
  long counted_ = 0;
};

template <class F, class R, class X>
Summary solve_lbfgs_checked(const LbfgsOptions& options, const F& minimised, const R& reported,
                            X& x);

inline TerminationType from_ceres(ceres::TerminationType t) {
  switch (t) {
    case ceres::CONVERGENCE:
      return TerminationType::convergence;
    case ceres::NO_CONVERGENCE:
      return TerminationType::no_convergence;
    case ceres::USER_SUCCESS:
      return TerminationType::user_success;
    case ceres::USER_FAILURE:
      return TerminationType::user_abort;
    default:
      return TerminationType::failure;
  }
}

}  // namespace detail

/// Minimises `minimised` from x (overwritten with the final iterate) and
/// records `reported` (normally the same energy with ε = 0) at every
/// iterate. Both must take the same X. Throws ismooth::Error for invalid
/// options or a non-finite/empty x; numerical trouble is reported in the
/// Summary. `options.smoothing_epsilon` is not used by this overload.
template <class F, class R, class X>
Summary solve_lbfgs(const LbfgsOptions& options, const F& minimised, const R& reported, X& x) {
  if constexpr (check_objective<F, X>() && check_objective<R, X>())
    return detail::solve_lbfgs_checked(options, minimised, reported, x);
  else
    return {};
}

template <class F, class R, class X>
Summary detail::solve_lbfgs_checked(const LbfgsOptions& options, const F& minimised,
                                    const R& reported, X& x) {
  detail::validate_options(options, "solve_lbfgs");
  detail::check_start(x, "solve_lbfgs");
  const detail::Stopwatch clock;
  Summary s;
  s.solver = "lbfgs";
  std::vector<double> p(x.data(), x.data() + x.size());

  // GradientProblem owns (and deletes) the function: Ceres 2.1's raw-pointer API.
  auto* objective = new detail::CeresObjective<F, X>(minimised, x);
  const ceres::GradientProblem problem(objective);
  const bool same = static_cast<const void*>(&minimised) == static_cast<const void*>(&reported);
  detail::CeresRecorder<F, R, X> recorder(*objective, reported, same, p.data(), x, options.callback,
                                          s, clock);

  ceres::GradientProblemSolver::Options co;
  co.line_search_direction_type = ceres::LBFGS;
  co.line_search_type = ceres::WOLFE;
  co.max_lbfgs_rank = options.memory;
  co.use_approximate_eigenvalue_bfgs_scaling = options.eigenvalue_scaling;
  co.max_num_line_search_step_size_iterations = options.max_line_search_steps;
  co.max_num_iterations = options.max_iterations;
  co.function_tolerance = options.function_tolerance;
  co.gradient_tolerance = options.gradient_tolerance;
  co.parameter_tolerance = options.parameter_tolerance;
  co.logging_type = ceres::SILENT;
  co.update_state_every_iteration = true;  // p holds the current point in callbacks
  co.callbacks.push_back(&recorder);
  ceres::GradientProblemSolver::Summary cs;
  ceres::Solve(co, problem, p.data(), &cs);
  if (objective->error) std::rethrow_exception(objective->error);
  if (recorder.error) std::rethrow_exception(recorder.error);

  if (s.iterations.empty()) {  // the initial evaluation failed: no callback ran
    detail::CeresObjective<F, X>::load(p.data(), x);
    IterationRecord r = detail::evaluate_record(reported, x);
    r.seconds = clock.seconds();
    s.iterations.push_back(r);
  } else if (cs.IsSolutionUsable() && !cs.iterations.empty() &&
             cs.iterations.back().iteration > s.iterations.back().iteration) {
    recorder.record(cs.iterations.back());  // the iteration a convergence test ended
  }
  if (s.termination != TerminationType::user_abort &&
      s.termination != TerminationType::user_success) {
    s.termination = detail::from_ceres(cs.termination_type);
    s.message = cs.message;
  }
  detail::CeresObjective<F, X>::load(p.data(), x);
  s.initial_energy = s.iterations.front().energy;
  s.final_energy = s.iterations.back().energy;
  detail::set_returned_and_best(s, s.iterations.back().iteration);
  s.seconds = clock.seconds();
  return s;
}

/// Minimises f from x (overwritten with the final iterate). For a
/// Smoothable f (objective.hpp: the paper's SmoothingEnergy, a WeightedSum
/// with it as a part, a user's term with a Smoothed member) that needs
/// smoothing, minimises f.Smoothed(options.smoothing_epsilon) and reports
/// f.Smoothed(0), the exact objective; any other f is minimised and
/// reported as given.
template <class F, class X>
Summary solve_lbfgs(const LbfgsOptions& options, const F& f, X& x) {
  if constexpr (!check_objective<F, X>()) {
    return {};
  } else if constexpr (Smoothable<F>) {
    detail::validate_options(options, "solve_lbfgs");
    if (!needs_smoothing(f)) return solve_lbfgs(options, f, f, x);
    const auto exact = f.Smoothed(0.0);
    if (options.smoothing_epsilon == 0) return solve_lbfgs(options, exact, exact, x);
    return solve_lbfgs(options, f.Smoothed(options.smoothing_epsilon), exact, x);
  } else {
    return solve_lbfgs(options, f, f, x);
  }
}

}  // namespace ismooth
