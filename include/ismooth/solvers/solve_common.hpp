#pragma once
/// \file
/// Helpers shared by the per-image solvers (Adam, L-BFGS; IRLS may use them):
/// checking the starting point, recording an IterationRecord from any
/// DifferentiableObjective, timing, and running the user's callback.
///
/// The variable type X is an xtensor-like container (an `Image<float>` or
/// `Image<double>`, or any `xt::xtensor`): the solvers use `x.data()`,
/// `x.size()`, `x.shape()`, `resize()` and copies, and treat x as one flat
/// vector of `x.size()` contiguous values.

#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "ismooth/error.hpp"
#include "ismooth/objective.hpp"
#include "ismooth/summary.hpp"

namespace ismooth {

/// Objectives that can report their terms (SmoothingEnergy): `evaluate_terms(x,
/// g)` returns the unweighted data/flatten/edge terms, the total and the L2
/// fraction, and *adds* the gradient to `*g` when g is not null.
template <class F, class X>
concept HasEnergyTerms = requires(const F& f, const X& x, X* g) {
  { f.evaluate_terms(x, g).total } -> std::convertible_to<double>;
  { f.evaluate_terms(x, g).data } -> std::convertible_to<double>;
  { f.evaluate_terms(x, g).flatten } -> std::convertible_to<double>;
  { f.evaluate_terms(x, g).edge } -> std::convertible_to<double>;
  { f.evaluate_terms(x, g).l2_fraction } -> std::convertible_to<double>;
};

namespace detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Wall time since construction, in seconds (steady clock).
class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// Throws ismooth::Error naming `where` unless x is non-empty and finite.
/// (A NaN start is a precondition violation, not a numerical outcome.)
template <class X>
void check_start(const X& x, std::string_view where) {
  require(x.size() > 0, where, ": the initial point is empty");
  for (std::size_t k = 0; k < x.size(); ++k)
    require(std::isfinite(double(x.data()[k])), where,
            ": the initial point has the non-finite "
            "value ",
            double(x.data()[k]), " at flat index ", k);
}

template <class X>
bool all_finite(const X& x) {
  for (std::size_t k = 0; k < x.size(); ++k)
    if (!std::isfinite(double(x.data()[k]))) return false;
  return true;
}

/// ‖x‖₂ accumulated in double.
template <class X>
double norm2(const X& x) {
  double s = 0;
  for (std::size_t k = 0; k < x.size(); ++k) s += double(x.data()[k]) * double(x.data()[k]);
  return std::sqrt(s);
}

/// ‖a − b‖₂ accumulated in double.
template <class A, class B>
double distance2(const A& a, const B& b) {
  double s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double d = double(a.data()[k]) - double(b.data()[k]);
    s += d * d;
  }
  return std::sqrt(s);
}

/// Evaluates f at x into `r` and returns f(x); when g is given, ∇f(x)
/// overwrites it. Objectives with HasEnergyTerms fill data/flatten/edge and
/// the L2 fraction (unless an earlier part of the same sum did); a
/// WeightedSum evaluates its parts through here, recording each part's
/// unweighted value as the extra "term:NAME" (`prefix` names the parts of
/// nested sums, "outer/inner").
template <class F, class X>
double evaluate_into_record(const F& f, const X& x, X* g, IterationRecord& r,
                            const std::string& prefix = "") {
  if constexpr (HasEnergyTerms<F, X>) {
    if (g) {
      g->resize(x.shape());
      g->fill(0);  // evaluate_terms adds into g
    }
    const auto terms = f.evaluate_terms(x, g);
    if (std::isnan(r.data)) {
      r.data = double(terms.data);
      r.flatten = double(terms.flatten);
      r.edge = double(terms.edge);
      r.l2_fraction = double(terms.l2_fraction);
    }
    return double(terms.total);
  } else if constexpr (is_weighted_sum<F>) {
    return f.evaluate_parts(x, g, [&](const auto& part, std::size_t k, const X& xk, X* gk) {
      const std::string name = prefix + (part.name.empty() ? std::to_string(k) : part.name);
      const double value = evaluate_into_record(part.objective(), xk, gk, r, name + "/");
      r.extras["term:" + name] = value;
      return value;
    });
  } else if (g) {
    return evaluate_with_gradient(f, x, *g);
  } else {
    return evaluate(f, x);
  }
}

/// Evaluates f at x into a record: energy, the paper's terms and per-part
/// values where f has them (evaluate_into_record; NaN terms otherwise).
/// When `g` is given it receives ∇f(x) (resized and overwritten) and
/// gradient_norm is filled; otherwise gradient_norm is NaN. One pass over f
/// either way.
template <class F, class X>
IterationRecord evaluate_record(const F& f, const X& x, X* g = nullptr) {
  IterationRecord r;
  r.data = r.flatten = r.edge = r.l2_fraction = r.gradient_norm = kNaN;
  r.energy = evaluate_into_record(f, x, g, r);
  if (g) r.gradient_norm = norm2(*g);
  return r;
}

/// Runs the user's callback (if any) on a record and the iterate it describes.
template <class X>
CallbackReturn run_callback(const IterationCallback& callback, const IterationRecord& r,
                            const X& x) {
  return callback ? callback(IterationState(r, IterateView(x))) : CallbackReturn::continue_solving;
}

/// Sets the summary's returned and best iterations from its records.
inline void set_returned_and_best(Summary& s, int returned_iteration) {
  s.returned_iteration = returned_iteration;
  s.set_best_from_records();
}

/// Maps a callback's request to a termination, or returns false to go on.
inline bool callback_stops(CallbackReturn answer, Summary& summary) {
  if (answer == CallbackReturn::abort) {
    summary.termination = TerminationType::user_abort;
    summary.message =
        "a callback asked to abort at iteration " + std::to_string(summary.num_iterations());
    return true;
  }
  if (answer == CallbackReturn::stop_with_success) {
    summary.termination = TerminationType::user_success;
    summary.message =
        "a callback asked to stop at iteration " + std::to_string(summary.num_iterations());
    return true;
  }
  return false;
}

/// Throws ismooth::Error naming `where` unless options.IsValid().
template <class Options>
void validate_options(const Options& options, std::string_view where) {
  std::string why;
  if (!options.IsValid(&why)) fail(where, ": invalid options: ", why);
}

}  // namespace detail
}  // namespace ismooth
