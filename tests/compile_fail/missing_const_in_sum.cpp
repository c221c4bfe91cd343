// Must not compile: the same term as missing_const.cpp, held by reference in
// a WeightedSum and passed to solvers::solve (before objective_check.hpp:
// 44 KB of constraint notes; now one static_assert naming the `const`).
#include <functional>

#include "ismooth/image.hpp"
#include "ismooth/solvers/solve.hpp"

struct MyTerm {
  double Evaluate(const ismooth::Image<float>& x) { return double(x(0, 0, 0)); }  // const forgotten
  void Gradient(const ismooth::Image<float>& x, ismooth::Image<float>& g) const { g = x; }
};

int main() {
  ismooth::Image<float> x = ismooth::make_image<float>(4, 4, 1.0f);
  const MyTerm term;
  const ismooth::WeightedSum sum{ismooth::Weighted{1.0, std::cref(term)}};
  ismooth::solvers::solve("lbfgs", ismooth::solvers::SolveOptions{}, sum, x);
}
