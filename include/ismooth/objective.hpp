#pragma once
/// \file
/// The one concept every energy term, every sum of terms and every user term
/// satisfies, so that each solver (IRLS, Adam, L-BFGS, the CNN trainer) takes
/// any of them unchanged (after ensmallen's FunctionType); the trainer takes
/// them as per-crop losses (network/training_loss.hpp, make_loss).
///
/// A type F is a differentiable objective over a variable type X (an image,
/// or any xtensor-like container) when it has, as const members,
///
///     double Evaluate(const X& x);                         // f(x)
///     void   Gradient(const X& x, X& g);                   // g = ∇f(x)
///     double EvaluateWithGradient(const X& x, X& g);       // both
///
/// of which it must provide Evaluate or EvaluateWithGradient, and Gradient or
/// EvaluateWithGradient; the free functions below derive whatever is missing.
/// Gradient and EvaluateWithGradient **overwrite** g and resize it to x's
/// shape if needed.
///
/// Also here: the Smoothable customisation point (L-BFGS smooths through
/// it). With this header come objective_check.hpp (a readable error for a
/// type that misses the concept) and weighted_sum.hpp (WeightedSum).
/// Writing a term: docs/solvers.md, "Writing your own term".

#include <array>
#include <concepts>
#include <cstddef>
#include <tuple>
#include <utility>

#include "ismooth/error.hpp"

namespace ismooth {

template <class F, class X>
concept HasEvaluate = requires(const F& f, const X& x) {
  { f.Evaluate(x) } -> std::convertible_to<double>;
};

template <class F, class X>
concept HasGradient = requires(const F& f, const X& x, X& g) { f.Gradient(x, g); };

template <class F, class X>
concept HasEvaluateWithGradient = requires(const F& f, const X& x, X& g) {
  { f.EvaluateWithGradient(x, g) } -> std::convertible_to<double>;
};

/// What every solver of ismooth requires of an objective.
template <class F, class X>
concept DifferentiableObjective =
    (HasEvaluate<F, X> || HasEvaluateWithGradient<F, X>) &&
    (HasGradient<F, X> || HasEvaluateWithGradient<F, X>);

/// f(x), through whichever member F has.
template <class X, class F>
  requires DifferentiableObjective<F, X>
double evaluate(const F& f, const X& x) {
  if constexpr (HasEvaluate<F, X>) {
    return static_cast<double>(f.Evaluate(x));
  } else {
    X scratch(x);
    return static_cast<double>(f.EvaluateWithGradient(x, scratch));
  }
}

/// g = ∇f(x), through whichever member F has.
template <class X, class F>
  requires DifferentiableObjective<F, X>
void gradient(const F& f, const X& x, X& g) {
  if constexpr (HasGradient<F, X>) {
    f.Gradient(x, g);
  } else {
    f.EvaluateWithGradient(x, g);
  }
}

/// f(x) and g = ∇f(x) in one call, through whichever members F has.
template <class X, class F>
  requires DifferentiableObjective<F, X>
double evaluate_with_gradient(const F& f, const X& x, X& g) {
  if constexpr (HasEvaluateWithGradient<F, X>) {
    return static_cast<double>(f.EvaluateWithGradient(x, g));
  } else {
    f.Gradient(x, g);
    return static_cast<double>(f.Evaluate(x));
  }
}

/// Terms that provide a quadratic majoriser of type Q (IRLS, majoriser.hpp).
template <class F, class X, class Q>
concept HasMajorise = requires(const F& f, const X& x, Q& q) { f.Majorise(x, q); };

// ---------------------------------------------------------------- smoothing

/// Objectives with a non-smooth part (|d|^p with p < 1 has an unbounded
/// gradient at d = 0) that can make a smoothed copy of themselves:
///
///     auto Smoothed(double epsilon) const;   // the same objective, its penalties
///                                            // smoothed by epsilon (0 = exact)
///
/// and may say whether smoothing changes anything (`bool NeedsSmoothing()
/// const`; without it, a Smoothable objective is assumed to need it).
/// L-BFGS minimises `Smoothed(LbfgsOptions::smoothing_epsilon)` and reports
/// `Smoothed(0)` (solvers/lbfgs.hpp). The paper's SmoothingEnergy and
/// WeightedSum (which smooths its parts, so sums inherit it) are Smoothable;
/// a user's term opts in by writing the member.
template <class F>
concept Smoothable = requires(const F& f, double epsilon) { f.Smoothed(epsilon); };

/// Whether minimising f needs smoothing: f.NeedsSmoothing() if f has it,
/// else whether f is Smoothable.
template <class F>
bool needs_smoothing(const F& f) {
  if constexpr (requires { { f.NeedsSmoothing() } -> std::convertible_to<bool>; })
    return f.NeedsSmoothing();
  else
    return Smoothable<F>;
}

}  // namespace ismooth

// WeightedSum lives beside the concept it builds on; including objective.hpp
// keeps giving users both.
#include "ismooth/objective_check.hpp"
#include "ismooth/weighted_sum.hpp"
