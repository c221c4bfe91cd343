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

/// A term with its weight in a WeightedSum.
template <class Term>
struct Weighted {
  double weight;
  Term term;
};
template <class Term>
Weighted(double, Term) -> Weighted<Term>;

/// Σ_k weight_k · term_k, itself a DifferentiableObjective. Lets users add
/// their own terms to the paper's energy:
///
///     WeightedSum total{Weighted{1.0, paper_energy}, Weighted{0.5, my_term}};
template <class... Terms>
class WeightedSum {
 public:
  explicit WeightedSum(Weighted<Terms>... parts) : parts_(std::move(parts)...) {}

  template <class X>
  double Evaluate(const X& x) const {
    return std::apply(
        [&](const auto&... p) { return (0.0 + ... + (p.weight * ismooth::evaluate(p.term, x))); },
        parts_);
  }

  template <class X>
  double EvaluateWithGradient(const X& x, X& g) const {
    g.resize(x.shape());
    g.fill(0);
    X part(x.shape());
    double total = 0;
    auto add = [&](const auto& p) {
      total += p.weight * ismooth::evaluate_with_gradient(p.term, x, part);
      g += p.weight * part;
    };
    std::apply([&](const auto&... p) { (add(p), ...); }, parts_);
    return total;
  }

  template <class X>
  void Gradient(const X& x, X& g) const {
    EvaluateWithGradient(x, g);
  }

  /// Σ_k weight_k · (majoriser of term_k) when every term has a Majorise
  /// member (majoriser.hpp), so IRLS minimises sums with users' terms
  /// unchanged. Weights must be ≥ 0: a negatively weighted upper bound is a
  /// lower bound. Q is QuadraticMajoriser; empty_like and add_scaled are
  /// found next to it.
  template <class X, class Q>
    requires(HasMajorise<Terms, X, Q> && ...)
  void Majorise(const X& x, Q& q) const {
    Q sum = empty_like(q);
    auto add = [&](const auto& p) {
      if (!(p.weight >= 0)) fail("WeightedSum::Majorise: weight ", p.weight, " < 0 has no majoriser");
      Q part = empty_like(q);
      p.term.Majorise(x, part);
      add_scaled(sum, p.weight, part);
    };
    std::apply([&](const auto&... p) { (add(p), ...); }, parts_);
    q = std::move(sum);
  }

  /// The k-th weighted part.
  template <std::size_t K>
  const auto& part() const {
    return std::get<K>(parts_);
  }

 private:
  std::tuple<Weighted<Terms>...> parts_;
};

}  // namespace ismooth
