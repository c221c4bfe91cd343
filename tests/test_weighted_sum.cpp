// WeightedSum: terms by value, std::ref/std::cref or reference without
// template arguments; per-part values; smoothing forwarded part-wise; no
// allocation per evaluation once the scratch exists.
#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "ismooth/objective.hpp"
#include "ismooth/penalty_terms.hpp"
#include "ismooth/presets.hpp"
#include "test_support.hpp"

namespace {
/// std::allocator that counts allocations, for an image type whose every
/// buffer is visible to the test.
template <class T>
struct CountingAllocator {
  using value_type = T;
  static inline long allocations = 0;
  CountingAllocator() = default;
  template <class U>
  CountingAllocator(const CountingAllocator<U>&) {}
  T* allocate(std::size_t n) {
    ++allocations;
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) { std::allocator<T>().deallocate(p, n); }
  bool operator==(const CountingAllocator&) const { return true; }
};
using CountedImage = xt::xtensor<double, 3, xt::layout_type::row_major, CountingAllocator<double>>;
}  // namespace

using namespace ismooth;

namespace {

/// ½‖x − c‖², writing its gradient in place (no allocation once g is sized).
struct Distance {
  Image<double> c;
  template <class X>
  double EvaluateWithGradient(const X& x, X& g) const {
    g.resize(x.shape());
    double s = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double d = x.data()[k] - c.data()[k];
      s += 0.5 * d * d;
      g.data()[k] = d;
    }
    return s;
  }
};

}  // namespace

TEST_CASE(
    "WeightedSum holds terms by std::cref, std::ref or reference, without template arguments") {
  const Distance a{test::random_image<double>(4, 5, 1)};
  Distance b{test::random_image<double>(4, 5, 2)};
  const Image<double> x = test::random_image<double>(4, 5, 3);
  const WeightedSum by_ref{Weighted{2.0, std::cref(a)}, Weighted{0.5, std::ref(b)}};
  const WeightedSum by_value{Weighted{2.0, a}, Weighted{0.5, b}};
  static_assert(DifferentiableObjective<decltype(by_ref), Image<double>>);
  static_assert(
      std::is_same_v<decltype(by_ref.part<0>().term), std::reference_wrapper<const Distance>>);
  const WeightedSum plain_ref{Weighted<const Distance&>{1.0, a}};
  CHECK(evaluate(by_ref, x) == doctest::Approx(evaluate(by_value, x)).epsilon(1e-15));
  CHECK(evaluate(plain_ref, x) == doctest::Approx(evaluate(a, x)).epsilon(1e-15));
  // A reference sees later changes of the term; the copy does not.
  b.c += 1.0;
  CHECK(evaluate(by_ref, x) != doctest::Approx(evaluate(by_value, x)));
  Image<double> g_ref, g_value;
  b.c -= 1.0;
  evaluate_with_gradient(by_ref, x, g_ref);
  evaluate_with_gradient(by_value, x, g_value);
  CHECK(test::relative_max_diff(g_ref, g_value) == 0);
}

TEST_CASE("WeightedSum: gradient = Σ w·∇, and no allocation per evaluation after the first") {
  const Distance a{test::random_image<double>(6, 7, 4)};
  const NeighbourPenalty tv{HuberPenalty{3.0}};
  const WeightedSum sum{Weighted{0.7, std::cref(a)}, Weighted{3.0, tv}, Weighted{-0.2, a}};
  const Image<double> x = test::random_image<double>(6, 7, 5);
  Image<double> g, ga, gt;
  const double v = sum.EvaluateWithGradient(x, g);
  const double va = a.EvaluateWithGradient(x, ga), vt = tv.EvaluateWithGradient(x, gt);
  CHECK(v == doctest::Approx(0.5 * va + 3.0 * vt).epsilon(1e-13));
  CHECK(test::relative_max_diff(g, Image<double>(0.5 * ga + 3.0 * gt)) < 1e-13);

  // Every buffer of CountedImage is counted: the first evaluation creates
  // the scratch, later ones allocate nothing (the old sum made one per call).
  const WeightedSum distances{Weighted{0.7, std::cref(a)}, Weighted{2.0, a}, Weighted{0.1, a}};
  const CountedImage cx = x;
  CountedImage cg = cx;
  const long before = CountingAllocator<double>::allocations;
  const double first = distances.EvaluateWithGradient(cx, cg);
  CHECK(CountingAllocator<double>::allocations == before + 1);  // the scratch
  for (int k = 0; k < 5; ++k) CHECK(distances.EvaluateWithGradient(cx, cg) == first);
  CHECK(CountingAllocator<double>::allocations == before + 1);
  CHECK(first == doctest::Approx(2.8 * evaluate(a, x)).epsilon(1e-14));
  CHECK(test::relative_max_diff(cg, Image<double>(2.8 * (x - a.c))) < 1e-14);
}

TEST_CASE("WeightedSum::evaluate_parts reports each part's unweighted value") {
  const Distance a{test::random_image<double>(4, 4, 6)};
  const NeighbourPenalty tv{CharbonnierPenalty{1.0}};
  const WeightedSum sum{Weighted{2.0, std::cref(a), "fit"}, Weighted{0.1, tv}};
  const Image<double> x = test::random_image<double>(4, 4, 7);
  std::vector<double> values(2);
  const double total = sum.evaluate_parts(
      x, static_cast<Image<double>*>(nullptr),
      [&](const auto& part, std::size_t k, const Image<double>& xk, Image<double>* g) {
        CHECK(g == nullptr);
        values[k] = evaluate(part.objective(), xk);
        return values[k];
      });
  CHECK(values[0] == doctest::Approx(evaluate(a, x)));
  CHECK(values[1] == doctest::Approx(tv.Evaluate(x)));
  CHECK(total == doctest::Approx(2.0 * values[0] + 0.1 * values[1]));
  CHECK(sum.part<0>().name == "fit");
}

TEST_CASE("WeightedSum::Smoothed smooths the paper's energy part and keeps the others") {
  const Image<double> input = test::random_image<double>(8, 9, 3);
  const auto paper = make_energy(input, Preset::smoothing, preset_params(Preset::smoothing), {},
                                 PMap{PMapKind::all_lp});
  const Distance q{test::random_image<double>(8, 9, 8)};
  const WeightedSum sum{Weighted{1.0, std::cref(paper)}, Weighted{0.25, std::cref(q)}};
  static_assert(Smoothable<decltype(sum)>);
  static_assert(!Smoothable<Distance>);
  const Image<double> x = test::random_image<double>(8, 9, 4);
  const auto smoothed = sum.Smoothed(0.5);
  CHECK(smoothed.part<0>().objective().params().epsilon == 0.5);
  CHECK(&smoothed.part<1>().objective() == &q);  // held by reference, not copied
  CHECK(smoothed.Evaluate(x) ==
        doctest::Approx(paper.Smoothed(0.5).Evaluate(x) + 0.25 * evaluate(q, x)).epsilon(1e-14));
  CHECK(smoothed.Evaluate(x) < sum.Evaluate(x));  // (d² + ε²)^{p/2} − ε^p < |d|^p
  CHECK(sum.Smoothed(0.0).Evaluate(x) == doctest::Approx(sum.Evaluate(x)).epsilon(1e-14));
  CHECK(sum.NeedsSmoothing());
  const auto l2 = make_energy(input, Preset::smoothing, preset_params(Preset::smoothing), {},
                              PMap{PMapKind::all_l2});
  CHECK_FALSE(WeightedSum{Weighted{1.0, std::cref(l2)}, Weighted{1.0, q}}.NeedsSmoothing());
}
