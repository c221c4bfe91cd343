#pragma once
/// \file
/// Adam (Kingma & Ba 2015) on one image: the paper's per-image baseline
/// (Fan et al. 2018, Sec. 5.2, ≈100 iterations), for any
/// DifferentiableObjective (objective.hpp) — the paper's SmoothingEnergy, a
/// WeightedSum with users' terms, or a user's own type.
///
///     Summary s = solve_adam(AdamOptions{}, energy, t);   // t: Image<float>, 0–255
///
/// Update, per value, at step t = 1, 2, ... with g = ∇f(x_{t−1}): the one of
/// adam_update.hpp (PyTorch's placement of ε), shared with the network
/// trainer. The moments are kept in double whatever X's scalar is, so float
/// images lose nothing in the update itself. The schedule (constant or cosine
/// over max_iterations) is learning_rate_schedule.hpp's.
///
/// Scale: x is on the **0–255 scale**, and Adam's normalised step moves each
/// value by about `lr` per iteration whatever the gradient's magnitude, so the
/// learning rate is in grey levels per step. The energy's 1/(3N) normaliser
/// makes gradients small (≈ 2/(3N) per grey level of data-term residual:
/// 1.3e-5 at 224×224, 7.2e-7 at 1280×720), which is why ε (denominator_epsilon) defaults to 1e-8
/// and not larger: ε must stay well below |g| of a one-level residual.
///
/// Cost: one EvaluateWithGradient per iteration plus one at the start; each
/// record (iteration, exact energy and its terms, L2 fraction, gradient norm,
/// step norm, time, extras "learning_rate") comes from that same evaluation.

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "ismooth/adam_update.hpp"
#include "ismooth/learning_rate_schedule.hpp"
#include "ismooth/solvers/solve_common.hpp"

namespace ismooth {

/// Options of solve_adam. Stopping rules, checked after each iteration:
/// - the callback returns abort / stop_with_success → user_abort / user_success;
/// - function_tolerance > 0 and |E_{k−1} − E_k| ≤ function_tolerance·|E_{k−1}|
///   → convergence;
/// - `max_iterations` iterations done → no_convergence;
/// - a non-finite energy or gradient → failure, x left at the last finite
///   iterate (the one of the last record).
struct AdamOptions {
  /// Iterations (gradient steps). 100 is the paper's per-image baseline.
  int max_iterations = 100;
  /// Step in grey levels (0–255 scale). Default 5, the best of the rates
  /// compared on the fixed maps of the paper's solver study (all-L2,
  /// all-L0.8, half; docs/spec/energy.md §7): the L2 minimisers lie up to
  /// ~200 levels from I and small steps never get there. For the *adaptive*
  /// map use ≤ 0.5: the first step moves every value by lr (sign-like), and
  /// above c2/12 ≈ 0.8 that noise alone pushes E(T) − E(I) past c2 and flips
  /// pixels into the L2 mask. Measurements: docs/solvers.md, "Adam".
  double learning_rate = 5.0;
  double beta1 = 0.9;    ///< first-moment decay, in [0, 1)
  double beta2 = 0.999;  ///< second-moment decay, in [0, 1)
  /// Adam's ε, added to √v̂ in the update's denominator; > 0 (see \file on
  /// scale). Not the energy's smoothing ε nor IRLS's expansion floor.
  double denominator_epsilon = 1e-8;
  /// constant (the paper) or cosine decay over max_iterations
  /// (learning_rate_schedule.hpp).
  LearningRateSchedule schedule = LearningRateSchedule::constant;
  /// Stop when the relative energy change falls to this; 0 = run all iterations.
  double function_tolerance = 0;
  /// Called with every record, iteration 0 (the start) included.
  IterationCallback callback;

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    if (max_iterations < 1)
      return bad("max_iterations must be >= 1, got " + std::to_string(max_iterations));
    if (!(std::isfinite(learning_rate) && learning_rate > 0))
      return bad("learning_rate must be finite and > 0, got " + std::to_string(learning_rate));
    if (!(beta1 >= 0 && beta1 < 1))
      return bad("beta1 must be in [0, 1), got " + std::to_string(beta1));
    if (!(beta2 >= 0 && beta2 < 1))
      return bad("beta2 must be in [0, 1), got " + std::to_string(beta2));
    if (!(std::isfinite(denominator_epsilon) && denominator_epsilon > 0))
      return bad("denominator_epsilon must be finite and > 0, got " +
                 std::to_string(denominator_epsilon));
    if (!(std::isfinite(function_tolerance) && function_tolerance >= 0))
      return bad("function_tolerance must be finite and >= 0, got " +
                 std::to_string(function_tolerance));
    return true;
  }
};

namespace detail {

/// Adam's moments, in double.
struct AdamState {
  std::vector<double> m, v;
  int t = 0;

  /// The learning rate of step t (1-based).
  static double rate(const AdamOptions& o, int t) {
    return scheduled_learning_rate(o.learning_rate, o.schedule, t, o.max_iterations);
  }

  /// One Adam step on x with gradient g; returns ‖Δx‖₂ as actually stored in
  /// X's precision, or NaN (x untouched) if g has a non-finite value.
  template <class X>
  double step(const AdamOptions& o, const X& g, X& x) {
    for (std::size_t k = 0; k < g.size(); ++k)
      if (!std::isfinite(double(g.data()[k]))) return kNaN;
    ++t;
    const AdamStepConstants constants =
        adam_step_constants(rate(o, t), o.beta1, o.beta2, o.denominator_epsilon, t);
    double moved = 0;
    adam_update(constants, g.data(), m.data(), v.data(), x.data(), x.size(), moved);
    return std::sqrt(moved);
  }
};

}  // namespace detail

namespace detail {
template <class F, class X>
Summary solve_adam_checked(const AdamOptions& options, const F& f, X& x);
}

/// Minimises f from x (overwritten with the final iterate) by Adam. Throws
/// ismooth::Error for invalid options or a non-finite/empty x; numerical
/// trouble during the run is reported in the Summary (termination failure).
/// An f that is no DifferentiableObjective over X fails to compile with the
/// message of check_objective (objective_check.hpp).
template <class F, class X>
Summary solve_adam(const AdamOptions& options, const F& f, X& x) {
  if constexpr (check_objective<F, X>())
    return detail::solve_adam_checked(options, f, x);
  else
    return {};
}

template <class F, class X>
Summary detail::solve_adam_checked(const AdamOptions& options, const F& f, X& x) {
  detail::validate_options(options, "solve_adam");
  detail::check_start(x, "solve_adam");
  const detail::Stopwatch clock;
  Summary s;
  s.solver = "adam";
  X g(x.shape());
  auto finish = [&](TerminationType type, std::string message) {
    s.termination = type;
    s.message = std::move(message);
    s.final_energy = s.iterations.back().energy;
    detail::set_returned_and_best(s, s.iterations.back().iteration);
    s.seconds = clock.seconds();
    return s;
  };

  IterationRecord r = detail::evaluate_record(f, x, &g);
  r.extras["learning_rate"] = options.learning_rate;
  r.seconds = clock.seconds();
  s.initial_energy = r.energy;
  s.iterations.push_back(r);
  if (!std::isfinite(r.energy))
    return finish(TerminationType::failure, "the energy at the initial point is not finite");
  if (detail::callback_stops(detail::run_callback(options.callback, r, x), s))
    return finish(s.termination, s.message);

  detail::AdamState state{std::vector<double>(x.size(), 0.0), std::vector<double>(x.size(), 0.0)};
  X previous(x);  // the last recorded point, restored on a numerical failure
  for (int it = 1; it <= options.max_iterations; ++it) {
    std::copy(x.data(), x.data() + x.size(), previous.data());
    const double step_norm = state.step(options, g, x);
    if (std::isnan(step_norm))
      return finish(TerminationType::failure,
                    "the gradient has a non-finite value at iteration " + std::to_string(it - 1));
    IterationRecord next = detail::evaluate_record(f, x, &g);
    if (!std::isfinite(next.energy)) {
      std::copy(previous.data(), previous.data() + x.size(), x.data());
      return finish(TerminationType::failure, "the energy became non-finite at iteration " +
                                                  std::to_string(it) + "; kept iteration " +
                                                  std::to_string(it - 1));
    }
    next.iteration = it;
    next.energy_change = s.iterations.back().energy - next.energy;
    next.step_norm = step_norm;
    next.seconds = clock.seconds();
    next.extras["learning_rate"] = detail::AdamState::rate(options, it);
    s.iterations.push_back(next);
    if (detail::callback_stops(detail::run_callback(options.callback, next, x), s))
      return finish(s.termination, s.message);
    const double before = s.iterations[s.iterations.size() - 2].energy;
    if (options.function_tolerance > 0 &&
        std::abs(next.energy_change) <= options.function_tolerance * std::abs(before))
      return finish(TerminationType::convergence,
                    "relative energy change below function_tolerance");
  }
  return finish(TerminationType::no_convergence,
                "reached max_iterations = " + std::to_string(options.max_iterations));
}

}  // namespace ismooth
