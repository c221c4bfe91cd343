// Example: your own energy term through every solver.
//
//   user_term_every_solver INPUT
//
// Defines a term of its own (a Charbonnier total variation on 4-neighbour
// differences plus a quadratic pull towards the input), checks its gradient
// with ismooth's gradient checker, and minimises it with IRLS, Adam and
// L-BFGS: all three reach the same minimum (the sum is convex). Links
// ismooth::solvers:
//
//   find_package(ismooth REQUIRED COMPONENTS solvers)
//   target_link_libraries(my_program PRIVATE ismooth::solvers)
#include <cmath>
#include <cstdio>
#include <exception>
#include <ismooth/gradient_check.hpp>
#include <ismooth/image_io.hpp>
#include <ismooth/majoriser.hpp>
#include <ismooth/objective.hpp>
#include <ismooth/penalty_terms.hpp>
#include <ismooth/solvers/solve.hpp>

using namespace ismooth;

/// (1/3N)·Σ_i ½(x_i − I_i)²: the term a user writes by hand. Const members,
/// `const X&` in, g overwritten (objective.hpp); Majorise for IRLS (the
/// quadratic is its own bound: A = I/(3N), b = I/(3N)).
struct PullToInput {
  Image<double> input;

  double EvaluateWithGradient(const Image<double>& x, Image<double>& g) const {
    g.resize(x.shape());
    const double scale = 1.0 / double(x.size());
    double sum = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double d = x.data()[k] - input.data()[k];
      sum += 0.5 * d * d;
      g.data()[k] = scale * d;
    }
    return scale * sum;
  }

  void Majorise(const Image<double>&, QuadraticMajoriser& q) const {
    const double scale = 1.0 / double(input.size());
    const int n = int(height(input) * width(input));
    q.A.resize(n, n);
    q.A.setIdentity();
    q.A *= scale;
    q.channel_A.clear();
    q.b = scale * input;
    q.constant = 0;
    for (double v : input) q.constant += 0.5 * scale * v * v;
  }
};

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: user_term_every_solver INPUT\n");
    return 2;
  }
  try {
    const Image<double> input = image_cast<double>(load_image(argv[1]));
    const PullToInput pull{input};
    const NeighbourPenalty tv{CharbonnierPenalty{2.0}};  // ready-made robust term
    const WeightedSum f{Weighted{1.0, std::cref(pull), "pull"}, Weighted{0.5, std::cref(tv), "tv"}};

    // 1. Check the hand-written gradient against finite differences.
    GradientCheckOptions check;
    check.max_entries = 300;
    const Image<double> probe = input + 3.0;  // an image, not an xtensor expression
    const GradientCheckResult r = check_gradient(f, probe, check);
    std::printf("%s\n", r.message.c_str());
    if (!r.ok) return 1;

    // 2. Every solver, from T = I.
    solvers::SolveOptions o;
    o.set_max_iterations(60);
    o.irls.function_tolerance = 1e-10;
    double energies[3];
    int k = 0;
    for (const char* name : {"irls", "adam", "lbfgs"}) {
      Image<double> t = input;
      const Summary s = solvers::solve(name, o, f, t);
      const IterationRecord& last = s.iterations.back();
      std::printf("%s\n  parts at the end: pull %.6g, tv %.6g\n", s.BriefReport().c_str(),
                  last.extras.at("term:pull"), last.extras.at("term:tv"));
      energies[k++] = s.final_energy;
    }
    // Convex: IRLS and L-BFGS agree closely; Adam (constant step) is near.
    const double spread = std::abs(energies[0] - energies[2]) / energies[0];
    std::printf("IRLS vs L-BFGS: relative difference %.2g\n", spread);
    return spread < 1e-3 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "user_term_every_solver: error: %s\n", e.what());
    return 1;
  }
}
