#pragma once
/// \file
/// Σ_k weight_k · term_k, itself a DifferentiableObjective (objective.hpp), so
/// users add their own terms to the paper's energy and every solver takes
/// the sum unchanged:
///
///     WeightedSum total{Weighted{1.0, std::cref(paper_energy)},   // held by reference
///                       Weighted{0.5, my_term, "tv"}};            // held by value, named
///
/// **Holding terms.** A part holds its term by value (`Weighted{w, term}`),
/// or by reference through `std::ref` / `std::cref` (no copy; the term must
/// outlive the sum); class template argument deduction handles both, no
/// explicit template arguments needed. `Weighted<const T&>` holds a plain
/// reference too.
///
/// **Per-part values.** `evaluate_parts` reports each part's unweighted value;
/// the solvers' records (solvers/solve_common.hpp) store it as the extra
/// "term:NAME" (NAME = the part's name, or its index 0, 1, ...), and a part
/// that is the paper's energy fills the record's data/flatten/edge columns.
///
/// **Smoothing.** `Smoothed(ε)` smooths every Smoothable part (objective.hpp)
/// and keeps the others, so L-BFGS minimises the smoothed sum of a sum that
/// contains the paper's energy, and reports the exact one.
///
/// **Scratch and threads.** EvaluateWithGradient writes the first part's
/// gradient straight into g and the others into one scratch gradient the
/// sum keeps (allocated on first use, reused after), so evaluations do not
/// allocate. The scratch is `mutable`: **one sum object must not be
/// evaluated with a gradient from two threads at once** (copies of a sum
/// are independent; Evaluate without gradient uses no scratch).

#include <any>
#include <concepts>
#include <cstddef>
#include <functional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ismooth/error.hpp"
#include "ismooth/objective.hpp"
#include "ismooth/objective_check.hpp"

namespace ismooth {

namespace detail {
/// The term a part holds: T itself, or what a reference_wrapper / reference refers to.
template <class T>
struct Unwrapped {
  using type = T;
};
template <class T>
struct Unwrapped<std::reference_wrapper<T>> {
  using type = std::remove_const_t<T>;
};
template <class T>
struct Unwrapped<T&> {
  using type = std::remove_const_t<T>;
};

template <class T>
const T& unwrap(const T& t) {
  return t;
}
template <class T>
const T& unwrap(const std::reference_wrapper<T>& t) {
  return t.get();
}
}  // namespace detail

/// The term type a part of type Weighted<Term> evaluates.
template <class Term>
using unwrapped_t = typename detail::Unwrapped<Term>::type;

/// A term with its weight (and an optional name for the records) in a
/// WeightedSum. Term may be a value, a std::reference_wrapper or a reference.
template <class Term>
struct Weighted {
  double weight;
  Term term;
  /// The records' extra "term:NAME" carries this part's value; empty: its index.
  std::string name{};

  /// The term itself, whichever way it is held.
  const unwrapped_t<Term>& objective() const { return detail::unwrap(term); }
};
template <class Term>
Weighted(double, Term) -> Weighted<Term>;
template <class Term>
Weighted(double, Term, const char*) -> Weighted<Term>;
template <class Term>
Weighted(double, Term, std::string) -> Weighted<Term>;

template <class... Terms>
class WeightedSum;

/// Whether F is a WeightedSum (solvers/solve_common.hpp records its parts).
template <class F>
inline constexpr bool is_weighted_sum = false;
template <class... Terms>
inline constexpr bool is_weighted_sum<WeightedSum<Terms...>> = true;

template <class... Terms>
class WeightedSum {
 public:
  explicit WeightedSum(Weighted<Terms>... parts) : parts_(std::move(parts)...) {}

  /// The number of parts.
  static constexpr std::size_t size() { return sizeof...(Terms); }

  /// check_objective (objective_check.hpp) of every part.
  template <class X>
  static consteval bool check_parts() {
    return (check_objective<unwrapped_t<Terms>, X>() && ...);
  }

  template <class X>
    requires(DifferentiableObjective<unwrapped_t<Terms>, X> && ...)
  double Evaluate(const X& x) const {
    return evaluate_parts(x, static_cast<X*>(nullptr), PlainPart{});
  }

  template <class X>
    requires(DifferentiableObjective<unwrapped_t<Terms>, X> && ...)
  double EvaluateWithGradient(const X& x, X& g) const {
    return evaluate_parts(x, &g, PlainPart{});
  }

  template <class X>
    requires(DifferentiableObjective<unwrapped_t<Terms>, X> && ...)
  void Gradient(const X& x, X& g) const {
    EvaluateWithGradient(x, g);
  }

  /// Σ_k w_k·value_k, and ∇ into *g (overwritten, resized) when g is not
  /// null, with each part evaluated by
  ///     double evaluate_part(const Weighted<T>& part, std::size_t k, const X& x, X* g_part)
  /// which returns the part's unweighted value and overwrites *g_part with
  /// its gradient when g_part is not null. The solvers' records pass one
  /// that also notes each value (see \file).
  template <class X, class EvaluatePart>
  double evaluate_parts(const X& x, X* g, EvaluatePart&& evaluate_part) const {
    double total = 0;
    bool first = true;
    auto add = [&](const auto& part, std::size_t k) {
      if (!g) {
        total += part.weight * evaluate_part(part, k, x, static_cast<X*>(nullptr));
      } else if (first) {  // straight into g, then scaled
        total += part.weight * evaluate_part(part, k, x, g);
        if (part.weight != 1) scale(*g, part.weight);
        first = false;
      } else {
        X& s = scratch(x);
        total += part.weight * evaluate_part(part, k, x, &s);
        axpy(*g, part.weight, s);
      }
    };
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (add(std::get<K>(parts_), K), ...);
    }(std::index_sequence_for<Terms...>{});
    return total;
  }

  /// Σ_k weight_k · (majoriser of term_k) when every term has a Majorise
  /// member (majoriser.hpp), so IRLS minimises sums with users' terms
  /// unchanged. Weights must be ≥ 0: a negatively weighted upper bound is a
  /// lower bound. Q is QuadraticMajoriser; empty_like and add_scaled are
  /// found next to it.
  template <class X, class Q>
    requires(HasMajorise<unwrapped_t<Terms>, X, Q> && ...)
  void Majorise(const X& x, Q& q) const {
    Q sum = empty_like(q);
    auto add = [&](const auto& p) {
      if (!(p.weight >= 0)) fail("WeightedSum::Majorise: weight ", p.weight, " < 0 has no majoriser");
      Q part = empty_like(q);
      p.objective().Majorise(x, part);
      add_scaled(sum, p.weight, part);
    };
    std::apply([&](const auto&... p) { (add(p), ...); }, parts_);
    q = std::move(sum);
  }

  /// The sum with every Smoothable part replaced by its Smoothed(epsilon)
  /// copy; the other parts are held by reference to this sum's terms, so the
  /// result must not outlive this sum.
  auto Smoothed(double epsilon) const {
    return std::apply(
        [&](const auto&... p) { return WeightedSum<decltype(smoothed_part(p, epsilon).term)...>(
                                    smoothed_part(p, epsilon)...); },
        parts_);
  }

  /// Whether any part needs smoothing (needs_smoothing, objective.hpp).
  bool NeedsSmoothing() const {
    return std::apply([](const auto&... p) { return (needs_smoothing(p.objective()) || ...); },
                      parts_);
  }

  /// The k-th weighted part.
  template <std::size_t K>
  const auto& part() const {
    return std::get<K>(parts_);
  }

 private:
  template <class Term>
  static auto smoothed_part(const Weighted<Term>& p, double epsilon) {
    using T = unwrapped_t<Term>;
    if constexpr (Smoothable<T>) {
      using S = std::remove_cvref_t<decltype(p.objective().Smoothed(epsilon))>;
      return Weighted<S>{p.weight, p.objective().Smoothed(epsilon), p.name};
    } else {
      return Weighted<std::reference_wrapper<const T>>{p.weight, std::cref(p.objective()), p.name};
    }
  }

  /// Evaluates a part through the concept's adapters (objective.hpp).
  struct PlainPart {
    template <class Part, class X>
    double operator()(const Part& part, std::size_t, const X& x, X* g) const {
      return g ? ismooth::evaluate_with_gradient(part.objective(), x, *g)
               : ismooth::evaluate(part.objective(), x);
    }
  };

  template <class X>
  static void scale(X& g, double w) {
    using V = std::remove_cvref_t<decltype(*g.data())>;
    for (std::size_t k = 0; k < g.size(); ++k) g.data()[k] = static_cast<V>(w * g.data()[k]);
  }
  template <class X>
  static void axpy(X& g, double w, const X& part) {
    using V = std::remove_cvref_t<decltype(*g.data())>;
    for (std::size_t k = 0; k < g.size(); ++k)
      g.data()[k] = static_cast<V>(g.data()[k] + w * part.data()[k]);
  }

  /// The scratch gradient, created on first use (see \file on threads).
  template <class X>
  X& scratch(const X& like) const {
    if (X* s = std::any_cast<X>(&scratch_)) return *s;
    return scratch_.emplace<X>(like);
  }

  std::tuple<Weighted<Terms>...> parts_;
  mutable std::any scratch_;
};

}  // namespace ismooth
