// WLS (filters/wls.hpp) and the grid system behind it (filters/grid_system.hpp):
// the sparse solve equals a dense solve of the same normal equations built
// independently; Majorise is exact; the gradient matches finite differences
// and vanishes at the solution; IRLS reaches the same minimiser in one step.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>

#include "ismooth/filters/wls.hpp"
#include "ismooth/solvers/irls.hpp"
#include "test_support.hpp"

using namespace ismooth;
using namespace ismooth::filters;
using ismooth::test::random_image;

namespace {

// (I + λ Σ a_pq (e_p − e_q)(e_p − e_q)ᵀ), written out densely from the
// definition in wls.hpp, with the weights computed here as well.
Eigen::MatrixXd dense_wls_matrix(const Image<double>& g, const WlsParams& prm) {
  const std::size_t h = height(g), w = width(g), n = h * w;
  std::vector<double> ell(n);
  for (std::size_t k = 0; k < n; ++k)
    ell[k] = std::log((0.299 * g.data()[k] + 0.587 * g.data()[n + k] + 0.114 * g.data()[2 * n + k]) / 255 + 1e-4);
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(Eigen::Index(n), Eigen::Index(n));
  auto pair = [&](std::size_t p, std::size_t q) {
    const double wt = prm.lambda / (std::pow(std::abs(ell[p] - ell[q]), prm.alpha) + prm.epsilon);
    a(p, p) += wt;
    a(q, q) += wt;
    a(p, q) -= wt;
    a(q, p) -= wt;
  };
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      if (x + 1 < w) pair(y * w + x, y * w + x + 1);
      if (y + 1 < h) pair(y * w + x, (y + 1) * w + x);
    }
  return a;
}

}  // namespace

TEST_CASE("wls: the sparse solve equals a direct dense solve on a tiny image") {
  const Image<double> g = random_image<double>(4, 5, 11);
  for (double lambda : {0.1, 1.0, 8.0}) {
    const WlsParams prm{lambda, 1.2, 1e-4};
    const Image<double> u = wls_smooth(g, prm);
    const Eigen::MatrixXd a = dense_wls_matrix(g, prm);
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(a);
    double worst = 0;
    for (std::size_t c = 0; c < 3; ++c) {
      Eigen::VectorXd b(20);
      for (int k = 0; k < 20; ++k) b(k) = g.data()[c * 20 + std::size_t(k)];
      const Eigen::VectorXd x = ldlt.solve(b);
      for (int k = 0; k < 20; ++k) worst = std::max(worst, std::abs(x(k) - u.data()[c * 20 + std::size_t(k)]));
    }
    INFO("lambda " << lambda);
    CHECK(worst < 1e-9);
  }
}

TEST_CASE("wls: Majorise is the energy itself; gradient by finite differences; zero at the solution") {
  const Image<double> g = random_image<double>(5, 6, 3);
  const WlsTerm term(g);
  const Image<double> x = random_image<double>(5, 6, 4);
  QuadraticMajoriser q;
  term.Majorise(x, q);
  const Image<double> y = random_image<double>(5, 6, 5);
  CHECK(evaluate_majoriser(q, y) == doctest::Approx(term.Evaluate(y)).epsilon(1e-12));
  CHECK(evaluate_majoriser(q, x) == doctest::Approx(term.Evaluate(x)).epsilon(1e-12));
  Image<double> grad;
  term.Gradient(x, grad);
  for (std::size_t k : {0u, 7u, 33u, 89u}) {
    Image<double> xp = x, xm = x;
    xp.data()[k] += 1e-4;
    xm.data()[k] -= 1e-4;
    CHECK(grad.data()[k] == doctest::Approx((term.Evaluate(xp) - term.Evaluate(xm)) / 2e-4).epsilon(1e-6));
  }
  const Image<double> u = wls_smooth(g);
  term.Gradient(u, grad);
  double worst = 0;
  for (double v : grad) worst = std::max(worst, std::abs(v));
  CHECK(worst < 1e-7);
}

TEST_CASE("wls: one IRLS iteration on WlsTerm reaches wls_smooth's minimiser") {
  const Image<double> g = random_image<double>(6, 7, 9);
  const WlsTerm term(g);
  Image<double> t = g;
  IrlsOptions o;
  o.max_iterations = 1;
  o.linear_solver = IrlsOptions::LinearSolver::cholmod;
  const Summary s = solve_irls(o, term, t);
  CHECK(s.final_energy == doctest::Approx(term.Evaluate(wls_smooth(g))).epsilon(1e-10));
  CHECK(ismooth::test::relative_max_diff(t, wls_smooth(g)) < 1e-8);
}

TEST_CASE("wls: constant image stays constant; bad parameters are refused") {
  const Image<float> c = make_image<float>(8, 9, 77.f);
  const Image<float> u = wls_smooth(c);
  for (float v : u) CHECK(v == doctest::Approx(77.f).epsilon(1e-5));
  WlsParams bad;
  bad.lambda = std::nan("");
  std::string why;
  CHECK_FALSE(bad.IsValid(&why));
  CHECK(why.find("lambda") != std::string::npos);
  CHECK_THROWS_AS(wls_smooth(c, bad), Error);
}
