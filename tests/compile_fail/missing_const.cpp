// Must not compile: a user's term whose Evaluate lacks `const`. The
// compile_fail_missing_const test (check_compile_fail.cmake) builds it and
// expects one short error that says "const" (objective_check.hpp).
#include "ismooth/image.hpp"
#include "ismooth/solvers/adam.hpp"

struct MyTerm {
  double Evaluate(const ismooth::Image<float>& x) { return double(x(0, 0, 0)); }  // const forgotten
  void Gradient(const ismooth::Image<float>& x, ismooth::Image<float>& g) const { g = x; }
};

int main() {
  ismooth::Image<float> x = ismooth::make_image<float>(4, 4, 1.0f);
  ismooth::solve_adam(ismooth::AdamOptions{}, MyTerm{}, x);
}
