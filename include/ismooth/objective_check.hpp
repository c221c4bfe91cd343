#pragma once
/// \file
/// Readable compile errors for a type that misses the DifferentiableObjective
/// concept (objective.hpp). A failed `requires` on a solver template makes
/// the compiler print every overload and every nested constraint (tens of
/// kilobytes that never say what to change); `check_objective<F, X>()`
/// instead fails one static_assert whose message names the fix, e.g. the
/// `const` a member lacks:
///
///     static_assert(ismooth::check_objective<MyTerm, Image<float>>());
///
/// Every solver entry point (solve_irls, solve_adam, solve_lbfgs,
/// solvers::solve) runs this check first and compiles nothing else when it
/// fails, so the message is the whole error. A WeightedSum is checked part
/// by part.

#include "ismooth/objective.hpp"

namespace ismooth {

namespace detail {

// The same members as HasEvaluate & co., but callable only on a non-const
// object, or only with a non-const x: the two usual slips.
template <class F, class X>
concept ValueIfMutable = requires(F& f, const X& x, X& g) { f.Evaluate(x); } ||
                         requires(F& f, const X& x, X& g) { f.EvaluateWithGradient(x, g); };
template <class F, class X>
concept ValueWithMutableX = requires(const F& f, X& x, X& g) { f.Evaluate(x); } ||
                            requires(const F& f, X& x, X& g) { f.EvaluateWithGradient(x, g); };
template <class F, class X>
concept GradientIfMutable = requires(F& f, const X& x, X& g) { f.Gradient(x, g); } ||
                            requires(F& f, const X& x, X& g) { f.EvaluateWithGradient(x, g); };
template <class F, class X>
concept GradientWithMutableX = requires(const F& f, X& x, X& g) { f.Gradient(x, g); } ||
                               requires(const F& f, X& x, X& g) { f.EvaluateWithGradient(x, g); };

}  // namespace detail

/// True when F is a DifferentiableObjective over X; otherwise fails a
/// static_assert that says what F lacks (see \file). A type with a
/// `template <class X> static consteval bool check_parts()` (WeightedSum)
/// is checked through it.
template <class F, class X>
consteval bool check_objective() {
  if constexpr (requires { F::template check_parts<X>(); }) {
    return F::template check_parts<X>();
  } else {
    constexpr bool value = HasEvaluate<F, X> || HasEvaluateWithGradient<F, X>;
    constexpr bool gradient = HasGradient<F, X> || HasEvaluateWithGradient<F, X>;
    constexpr bool value_mutable = detail::ValueIfMutable<F, X>;
    constexpr bool value_x = detail::ValueWithMutableX<F, X>;
    constexpr bool gradient_mutable = detail::GradientIfMutable<F, X>;
    constexpr bool gradient_x = detail::GradientWithMutableX<F, X>;
    static_assert(value || !value_mutable,
                  "ismooth objective: Evaluate (or EvaluateWithGradient) is not a const member "
                  "function; declare it `double Evaluate(const X& x) const` (solvers hold "
                  "objectives by const reference)");
    static_assert(value || value_mutable || !value_x,
                  "ismooth objective: Evaluate (or EvaluateWithGradient) takes x by non-const "
                  "reference; declare it `double Evaluate(const X& x) const`");
    static_assert(value || value_mutable || value_x,
                  "ismooth objective: no `double Evaluate(const X& x) const` nor `double "
                  "EvaluateWithGradient(const X& x, X& g) const` for this X (the solver's "
                  "variable, e.g. Image<float>: is the term written for Image<double>?)");
    static_assert(!value || gradient || !gradient_mutable,
                  "ismooth objective: Gradient is not a const member function; declare it "
                  "`void Gradient(const X& x, X& g) const`");
    static_assert(!value || gradient || gradient_mutable || !gradient_x,
                  "ismooth objective: Gradient takes x by non-const reference; declare it "
                  "`void Gradient(const X& x, X& g) const`");
    static_assert(!value || gradient || gradient_mutable || gradient_x,
                  "ismooth objective: no `void Gradient(const X& x, X& g) const` nor `double "
                  "EvaluateWithGradient(const X& x, X& g) const` for this X");
    return value && gradient;
  }
}

}  // namespace ismooth
