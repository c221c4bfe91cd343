// IRLS (irls.hpp) and the majorisers it relies on (majoriser.hpp,
// FlatteningTerm/DataTerm/SmoothingEnergy::Majorise): the bound is exact for
// the quadratic all-L2 energy and a true upper bound touching at x0 otherwise;
// one IRLS step solves all-L2; the exact energy falls monotonically on fixed-p
// maps of a real photo; users' terms need only a Majorise member.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>

#include "ismooth/solvers/adam.hpp"
#include "ismooth/solvers/irls.hpp"
#include "solver_problems.hpp"

using namespace ismooth;
using ismooth::test::paper_problem;
using ismooth::test::photo_crop;
using ismooth::test::random_image;

namespace {

using Backend = IrlsOptions::LinearSolver;

/// The paper energy (smoothing preset, λ_e = 0, structure edges) on a crop.
SmoothingEnergy<double> crop_energy(PMapKind kind, std::size_t h = 24, std::size_t w = 32) {
  EnergyParams params = preset_params(Preset::smoothing);
  params.lambda_e = 0;
  return make_energy(photo_crop(180, 190, h, w), Preset::smoothing, params, {}, PMap{kind});
}

IrlsOptions options_for(Backend backend, int iterations, bool per_channel = true) {
  IrlsOptions o;
  o.linear_solver = backend;
  o.max_iterations = iterations;
  o.function_tolerance = 0;
  o.per_channel_matrices = per_channel;
  o.pcg_tolerance = 1e-10;
  o.pcg_max_iterations = 5000;
  return o;
}

/// ½ xᵀ M x − cᵀx per channel with M = I + L (L a chain Laplacian along the
/// flat pixel index, weight 3), stored as a *full* symmetric matrix, so the
/// minimiser is z when c := M z. Evaluate, Gradient and Majorise only.
struct UserCoupledQuadratic {
  SparseMatrixD m;  // full storage
  Image<double> c;

  static UserCoupledQuadratic with_minimiser(const Image<double>& z) {
    const int n = int(height(z) * width(z));
    std::vector<Eigen::Triplet<double>> t;
    for (int i = 0; i < n; ++i) {
      t.emplace_back(i, i, 1.0 + 3.0 * ((i > 0) + (i + 1 < n)));
      if (i + 1 < n) {
        t.emplace_back(i, i + 1, -3.0);
        t.emplace_back(i + 1, i, -3.0);
      }
    }
    UserCoupledQuadratic f;
    f.m.resize(n, n);
    f.m.setFromTriplets(t.begin(), t.end());
    f.c = z;
    for (int ch = 0; ch < 3; ++ch) {
      Eigen::Map<const Eigen::VectorXd> zc(z.data() + ch * n, n);
      Eigen::Map<Eigen::VectorXd>(f.c.data() + ch * n, n) = f.m * zc;
    }
    return f;
  }
  double Evaluate(const Image<double>& x) const {
    const int n = int(m.rows());
    double s = 0;
    for (int ch = 0; ch < 3; ++ch) {
      Eigen::Map<const Eigen::VectorXd> xc(x.data() + ch * n, n), cc(c.data() + ch * n, n);
      s += 0.5 * xc.dot(m * xc) - cc.dot(xc);
    }
    return s;
  }
  void Gradient(const Image<double>& x, Image<double>& g) const {
    const int n = int(m.rows());
    g.resize(x.shape());
    for (int ch = 0; ch < 3; ++ch) {
      Eigen::Map<const Eigen::VectorXd> xc(x.data() + ch * n, n), cc(c.data() + ch * n, n);
      Eigen::Map<Eigen::VectorXd>(g.data() + ch * n, n) = m * xc - cc;
    }
  }
  void Majorise(const Image<double>&, QuadraticMajoriser& q) const {
    q.A = m;
    q.channel_A.clear();
    q.b = c;
    q.constant = 0;
  }
};

/// f(x) = Σ log cosh(x − c): not quadratic. Its majoriser at x0 is the
/// classic IRLS one, log cosh d ≤ log cosh d0 + ½·(tanh d0 / d0)·(d² − d0²),
/// a diagonal with a different weight per value: per-channel matrices.
struct UserLogCosh {
  Image<double> c;

  static double log_cosh(double z) {
    const double a = std::abs(z);
    return a + std::log1p(std::exp(-2 * a)) - std::log(2.0);
  }
  double EvaluateWithGradient(const Image<double>& x, Image<double>& g) const {
    g.resize(x.shape());
    double s = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      s += log_cosh(x.data()[k] - c.data()[k]);
      g.data()[k] = std::tanh(x.data()[k] - c.data()[k]);
    }
    return s;
  }
  void Majorise(const Image<double>& x0, QuadraticMajoriser& q) const {
    const int n = int(height(x0) * width(x0));
    q.A.resize(n, n);
    q.A.data().squeeze();
    q.channel_A.assign(3, SparseMatrixD(n, n));
    q.b = make_image<double>(height(x0), width(x0));
    q.constant = 0;
    for (int ch = 0; ch < 3; ++ch) {
      std::vector<Eigen::Triplet<double>> t;
      for (int i = 0; i < n; ++i) {
        const std::size_t k = std::size_t(ch * n + i);
        const double d0 = x0.data()[k] - c.data()[k];
        const double w = std::abs(d0) < 1e-8 ? 1.0 : std::tanh(d0) / d0;
        t.emplace_back(i, i, w);
        q.b.data()[k] = w * c.data()[k];
        q.constant += log_cosh(d0) - 0.5 * w * d0 * d0 + 0.5 * w * c.data()[k] * c.data()[k];
      }
      q.channel_A[std::size_t(ch)].setFromTriplets(t.begin(), t.end());
    }
  }
};

/// ½‖x − e‖² with a Majorise (itself).
struct UserSquaredDistance {
  Image<double> e;
  double Evaluate(const Image<double>& x) const {
    double s = 0;
    for (std::size_t k = 0; k < x.size(); ++k) s += 0.5 * std::pow(x.data()[k] - e.data()[k], 2);
    return s;
  }
  void Gradient(const Image<double>& x, Image<double>& g) const { g = x - e; }
  void Majorise(const Image<double>&, QuadraticMajoriser& q) const {
    const int n = int(height(e) * width(e));
    q.A.resize(n, n);
    q.A.setIdentity();
    q.channel_A.clear();
    q.b = e;
    q.constant = 0;
    for (double v : e) q.constant += 0.5 * v * v;
  }
};

}  // namespace

// ------------------------------------------------------------------ majorisers

TEST_CASE("majoriser: all-L2 paper energy equals its bound everywhere (exact assembly)") {
  const auto f = crop_energy(PMapKind::all_l2);
  QuadraticMajoriser q;
  f.Majorise(f.input(), q);
  CHECK_FALSE(q.has_channel_matrices());  // p = 2 weights do not depend on the channel
  CHECK(is_lower(q.A));
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const Image<double> x = random_image<double>(24, 32, seed, -20, 280);
    const double e = f.Evaluate(x), bound = evaluate_majoriser(q, x);
    INFO("seed " << seed << ": E = " << e << ", bound = " << bound);
    CHECK(bound == doctest::Approx(e).epsilon(1e-11));
  }
  // The data term alone is also exact, and A is (2/(3N))·I.
  QuadraticMajoriser qd;
  f.data_term().Majorise(f.input(), qd);
  const Image<double> x = random_image<double>(24, 32, 9);
  CHECK(evaluate_majoriser(qd, x) == doctest::Approx(f.data_term().Evaluate(x)).epsilon(1e-12));
  CHECK(qd.A.coeff(5, 5) == doctest::Approx(2.0 / (3.0 * 24 * 32)));
}

TEST_CASE("majoriser: Lp paper energies are bounded above and touched at x0") {
  for (PMapKind kind : {PMapKind::all_lp, PMapKind::half}) {
    for (bool per_channel : {true, false}) {
      const auto f = crop_energy(kind);
      // A non-integer x0: every pair difference is far from 0 (no floor gap).
      const Image<double> x0 = f.input() + random_image<double>(24, 32, 5, -4, 4);
      QuadraticMajoriser q;
      q.per_channel = per_channel;
      // Few pairs fall below a tiny floor, so the bound touches E at x0 (the
      // bound's own rounding, weights up to δ^{p−2}, limits how tiny).
      q.expansion_floor = 1e-6;
      f.Majorise(x0, q);
      CHECK(q.has_channel_matrices() == per_channel);
      const double e0 = f.Evaluate(x0), b0 = evaluate_majoriser(q, x0);
      INFO("map " << int(kind) << ", per_channel " << per_channel << ": E(x0) = " << e0
                  << ", bound(x0) = " << b0);
      CHECK(b0 >= e0 - 1e-10 * e0);
      CHECK(b0 == doctest::Approx(e0).epsilon(1e-10));
      for (unsigned seed = 10; seed < 14; ++seed) {
        const Image<double> x = x0 + random_image<double>(24, 32, seed, -25, 25);
        const double e = f.Evaluate(x), b = evaluate_majoriser(q, x);
        INFO("seed " << seed << ": E = " << e << ", bound = " << b);
        CHECK(b >= e - 1e-12 * e);
        CHECK(b > e);  // strictly above away from x0 (p = 0.8 is not quadratic)
      }
      const double e_input = f.Evaluate(f.input());
      CHECK(evaluate_majoriser(q, f.input()) >= e_input - 1e-12 * e_input);
    }
  }
}

TEST_CASE("majoriser: at T = I (integer photo, many zero differences) the floor gap is tiny") {
  const auto f = crop_energy(PMapKind::all_lp);
  QuadraticMajoriser q;
  q.expansion_floor = 1e-3;
  f.Majorise(f.input(), q);
  const Image<double> x0 = f.input();
  const double e0 = f.Evaluate(x0), gap = evaluate_majoriser(q, x0) - e0;
  INFO("E(I) = " << e0 << ", gap = " << gap);
  CHECK(gap >= 0);
  // (1 − p/2)·δ^p per pair-channel with d⁰ = 0, weight ≤ 2, normalised by
  // λ_f/(3N), over at most all pairs: a loose ceiling.
  const double pairs = double(f.flattening_term().pairs_per_evaluation()) * 3;
  CHECK(gap <= pairs * 2 * 0.6 * std::pow(1e-3, 0.8) / (3.0 * 24 * 32));
  for (unsigned seed = 20; seed < 23; ++seed) {
    const Image<double> x = x0 + random_image<double>(24, 32, seed, -10, 10);
    CHECK(evaluate_majoriser(q, x) >= f.Evaluate(x));
  }
}

TEST_CASE("majoriser: assembly is identical for 1 and 2 threads and reuses its pattern") {
  const auto f = crop_energy(PMapKind::half, 40, 30);
  const Image<double> x0 = f.input() + random_image<double>(40, 30, 3, -4, 4);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  QuadraticMajoriser q1;
  f.Majorise(x0, q1);
  omp_set_num_threads(2);
  QuadraticMajoriser q2;
  f.Majorise(x0, q2);
  omp_set_num_threads(threads);
  REQUIRE(q1.channel_A.size() == 3);
  for (int c = 0; c < 3; ++c) {
    const auto& a = q1.channel_A[c];
    const auto& b = q2.channel_A[c];
    REQUIRE(a.nonZeros() == b.nonZeros());
    CHECK(std::equal(a.valuePtr(), a.valuePtr() + a.nonZeros(), b.valuePtr()));
  }
  CHECK(q1.constant == q2.constant);
  const double* storage = q1.channel_A[0].valuePtr();
  f.Majorise(x0 + 1.0, q1);  // same pattern: values rewritten in place
  CHECK(q1.channel_A[0].valuePtr() == storage);
}

// ------------------------------------------------------------------ IRLS on the paper energy

TEST_CASE("IRLS, all-L2 photo crop: one iteration is the exact minimiser (CHOLMOD and PCG)") {
  const auto problem = paper_problem<double>(PMapKind::all_l2);  // 48×64, LDLT answer
  for (Backend backend : {Backend::cholmod, Backend::pcg}) {
    Image<double> x = problem.initial_point();
    const Summary s = solve_irls(options_for(backend, 1), problem.objective(), x);
    INFO(std::string(to_string(backend)) << ": " << s.FullReport());
    REQUIRE(s.num_iterations() == 1);
    CHECK(s.message.find(to_string(backend)) != std::string::npos);
    CHECK(s.message.find("shared matrix") != std::string::npos);
    const double rel = std::abs(s.final_energy - problem.minimum()) / problem.minimum();
    CHECK(rel < 1e-9);
    double error = 0;
    for (std::size_t k = 0; k < x.size(); ++k)
      error = std::max(error, std::abs(x.data()[k] - problem.minimiser().data()[k]));
    CHECK(error < 1e-5);
    // ∇E at the IRLS answer vanishes relative to its size at the start.
    CHECK(s.iterations[1].gradient_norm < 1e-7 * s.iterations[0].gradient_norm);
    CHECK(std::abs(s.iterations[1].extras.at("bound_gap")) < 1e-9 * problem.minimum());
  }
}

TEST_CASE("IRLS, all-L2 in float: the same minimiser through Image<float>") {
  const auto problem = paper_problem<float>(PMapKind::all_l2);
  Image<float> x = problem.initial_point();
  const Summary s = solve_irls(options_for(Backend::cholmod, 1), problem.objective(), x);
  CHECK(s.final_energy == doctest::Approx(problem.minimum()).epsilon(1e-5));
}

TEST_CASE("IRLS, all-L0.8 and half L2/L0.8 on a photo crop: the exact energy never rises") {
  for (PMapKind kind : {PMapKind::all_lp, PMapKind::half}) {
    const auto problem = paper_problem<double>(kind);
    for (Backend backend : {Backend::cholmod, Backend::pcg}) {
      for (bool per_channel : {true, false}) {
        IrlsOptions o = options_for(backend, 10, per_channel);
        o.pcg_tolerance = 1e-6;  // inexact, warm-started solves keep monotonicity too
        Image<double> x = problem.initial_point();
        const Summary s = solve_irls(o, problem.objective(), x);
        INFO(problem.name << ", " << std::string(to_string(backend)) << ", per-channel " << per_channel
                          << "\n" << s.FullReport());
        REQUIRE(s.IsSolutionUsable());
        REQUIRE(s.num_iterations() == 10);
        for (std::size_t k = 1; k < s.iterations.size(); ++k) {
          const IterationRecord& r = s.iterations[k];
          CHECK(r.energy <= s.iterations[k - 1].energy);  // no tolerance: a rise is a bug
          CHECK(r.extras.at("bound_decrease") >= -1e-12 * r.energy);
        }
        CHECK(s.final_energy < 0.8 * s.initial_energy);
        CHECK(s.final_energy == doctest::Approx(problem.objective().Evaluate(x)).epsilon(1e-14));
        MESSAGE(problem.name << ", " << std::string(to_string(backend))
                             << std::string(per_channel ? ", per-channel" : ", shared") << ": E " << s.initial_energy
                             << " -> " << s.final_energy);
      }
    }
  }
}

TEST_CASE("IRLS-10 ends at or below Adam-100 on all-L0.8 and half (paper Fig. 6)") {
  for (PMapKind kind : {PMapKind::all_lp, PMapKind::half}) {
    const auto problem = paper_problem<double>(kind);
    Image<double> x_irls = problem.initial_point(), x_adam = problem.initial_point();
    IrlsOptions o;
    o.max_iterations = 10;
    o.function_tolerance = 0;
    const Summary irls = solve_irls(o, problem.objective(), x_irls);
    const Summary adam = solve_adam(AdamOptions{}, problem.objective(), x_adam);
    INFO(problem.name << "\n" << irls.BriefReport() << "\n" << adam.BriefReport());
    CHECK(adam.num_iterations() == 100);
    CHECK(irls.final_energy <= adam.final_energy);
    MESSAGE(problem.name << ": IRLS-10 " << irls.final_energy << ", Adam-100 " << adam.final_energy);
  }
}

TEST_CASE("IRLS, adaptive map: runs and reports the L2 fraction of every iterate") {
  const auto problem = paper_problem<double>(PMapKind::adaptive);
  Image<double> x = problem.initial_point();
  IrlsOptions o = options_for(Backend::automatic, 5);
  o.keep_best = false;  // x = the last iterate, which the last record describes
  const Summary s = solve_irls(o, problem.objective(), x);
  INFO(s.FullReport());
  REQUIRE(s.IsSolutionUsable());
  for (const auto& r : s.iterations) {
    CHECK(std::isfinite(r.energy));
    CHECK(r.l2_fraction >= 0);
    CHECK(r.l2_fraction <= 1);
  }
  CHECK(s.iterations.back().l2_fraction == mask_fraction(problem.objective().l2_mask(x)));
  CHECK(s.iterations[0].l2_fraction == 0);  // at T = I, E(T) = E(I): no pixel is L2
  CHECK(s.iterations[1].l2_fraction > 0);
  // No monotonicity here: the mask of x_k differs from the one x_k was
  // solved with (pixels switching to α·w^s-weighted L2 raise E).
  MESSAGE("adaptive map, 5 IRLS iterations: E " << s.initial_energy << " -> " << s.final_energy);
}

TEST_CASE("IRLS refuses the edge-preserving term with a message naming the fix") {
  EnergyParams params = preset_params(Preset::smoothing);  // λ_e = 0.1
  const auto f = make_energy(photo_crop(180, 190, 48, 64), Preset::smoothing, params, {},
                             PMap{PMapKind::all_l2});
  REQUIRE(f.edge_term().edge_pixels() > 0);
  Image<double> x = f.input();
  try {
    solve_irls(IrlsOptions{}, f, x);
    FAIL("expected ismooth::Error");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("lambda_e=0") != std::string::npos);
    CHECK(what.find("edge-preserving") != std::string::npos);
  }
}

// ------------------------------------------------------------------ users' terms

TEST_CASE("IRLS minimises users' terms that only add a Majorise member") {
  SUBCASE("coupled quadratic in full storage: one iteration reaches z") {
    const Image<double> z = random_image<double>(6, 8, 31, 20, 235);
    const auto f = UserCoupledQuadratic::with_minimiser(z);
    for (Backend backend : {Backend::cholmod, Backend::pcg}) {
      Image<double> x = random_image<double>(6, 8, 32);
      const Summary s = solve_irls(options_for(backend, 1), f, x);
      CHECK(test::relative_max_diff(x, z) < 1e-9);
      CHECK(std::isnan(s.iterations[0].data));  // no term breakdown for a user's type
    }
  }
  SUBCASE("log cosh plus a squared distance: converges to the scalar root") {
    // Minimiser per value: tanh(x − c) + μ(x − e) = 0, solved here by bisection.
    const Image<double> c = random_image<double>(6, 8, 41, 20, 235);
    const Image<double> e = c + random_image<double>(6, 8, 42, -30, 30);
    const double mu = 0.05;
    const WeightedSum f{Weighted{1.0, UserLogCosh{c}}, Weighted{mu, UserSquaredDistance{e}}};
    Image<double> expected = c;
    for (std::size_t k = 0; k < c.size(); ++k) {
      double lo = std::min(c.data()[k], e.data()[k]), hi = std::max(c.data()[k], e.data()[k]);
      for (int it = 0; it < 200; ++it) {
        const double mid = 0.5 * (lo + hi);
        const double g = std::tanh(mid - c.data()[k]) + mu * (mid - e.data()[k]);
        (g > 0 ? hi : lo) = mid;
      }
      expected.data()[k] = 0.5 * (lo + hi);
    }
    Image<double> x = c + 25.0;
    IrlsOptions o = options_for(Backend::pcg, 200);
    o.function_tolerance = 1e-15;
    const Summary s = solve_irls(o, f, x);
    INFO(s.BriefReport());
    CHECK(s.IsSolutionUsable());
    CHECK(test::relative_max_diff(x, expected) < 1e-6);
    for (std::size_t k = 1; k < s.iterations.size(); ++k)
      CHECK(s.iterations[k].energy <= s.iterations[k - 1].energy + 1e-12);
  }
  SUBCASE("a user's term added to the paper energy (WeightedSum)") {
    const auto paper = crop_energy(PMapKind::all_l2, 12, 16);
    const Image<double> target = paper.input() + 10.0;
    const WeightedSum f{Weighted{1.0, std::cref(paper).get()},
                        Weighted{1e-3, UserSquaredDistance{target}}};
    Image<double> x = paper.input();
    const Summary s = solve_irls(options_for(Backend::cholmod, 2), f, x);
    // Both parts are quadratic: the first step is exact, the second stays.
    CHECK(s.iterations[2].energy == doctest::Approx(s.iterations[1].energy).epsilon(1e-12));
    Image<double> g;
    f.Gradient(x, g);
    Image<double> g0;
    f.Gradient(paper.input(), g0);
    CHECK(ismooth::detail::norm2(g) < 1e-8 * ismooth::detail::norm2(g0));
  }
}

// ------------------------------------------------------------------ options and outcomes

TEST_CASE("IRLS options: validity, automatic backend rule, callbacks, failures") {
  IrlsOptions o;
  std::string why;
  CHECK(o.IsValid(&why));
  o.expansion_floor = 0;
  CHECK_FALSE(o.IsValid(&why));
  CHECK(why.find("expansion_floor") != std::string::npos);
  o = IrlsOptions{};
  o.max_iterations = 0;
  CHECK_FALSE(o.IsValid(&why));

  o = IrlsOptions{};
  CHECK(choose_linear_solver(o, 224 * 224) == Backend::cholmod);
  CHECK(choose_linear_solver(o, 400 * 300) == Backend::cholmod);
  CHECK(choose_linear_solver(o, 640 * 480) == Backend::pcg);
  o.linear_solver = Backend::pcg;
  CHECK(choose_linear_solver(o, 10) == Backend::pcg);

  const auto f = crop_energy(PMapKind::all_lp, 12, 16);
  SUBCASE("a callback stops with success after the first iteration") {
    IrlsOptions stop = options_for(Backend::cholmod, 10);
    stop.callback = [](const IterationRecord& r) {
      return r.iteration >= 1 ? CallbackReturn::stop_with_success : CallbackReturn::continue_solving;
    };
    Image<double> x = f.input();
    const Summary s = solve_irls(stop, f, x);
    CHECK(s.termination == TerminationType::user_success);
    CHECK(s.num_iterations() == 1);
  }
  SUBCASE("convergence by the relative energy change") {
    IrlsOptions conv = options_for(Backend::cholmod, 100);
    conv.function_tolerance = 1e-3;
    Image<double> x = f.input();
    const Summary s = solve_irls(conv, f, x);
    CHECK(s.termination == TerminationType::convergence);
    const auto& last = s.iterations.back();
    CHECK(last.energy_change < 1e-3 * s.iterations[s.iterations.size() - 2].energy);
  }
  SUBCASE("a majoriser that is not positive definite ends in failure, x kept") {
    struct Broken {
      UserSquaredDistance inner;
      double Evaluate(const Image<double>& x) const { return inner.Evaluate(x); }
      void Gradient(const Image<double>& x, Image<double>& g) const { inner.Gradient(x, g); }
      void Majorise(const Image<double>& x, QuadraticMajoriser& q) const {
        inner.Majorise(x, q);
        q.A.coeffRef(3, 3) = -1;
      }
    };
    const Broken broken{UserSquaredDistance{random_image<double>(6, 8, 3)}};
    for (Backend backend : {Backend::cholmod, Backend::pcg}) {
      Image<double> x = random_image<double>(6, 8, 4);
      const Image<double> start = x;
      const Summary s = solve_irls(options_for(backend, 3), broken, x);
      INFO(s.message);
      CHECK(s.termination == TerminationType::failure);
      CHECK(s.message.find("not positive definite") != std::string::npos);
      CHECK(test::relative_max_diff(x, start) == 0);
    }
  }
}

namespace {

/// ½‖x − c‖² with a Majorise that is no true bound: its quadratic's
/// minimiser is c + r·(x0 − c), with r = ½ while max|x0 − c| ≥ 1 and r = −3
/// (an overshoot) below. From x0 = c + 10 the distances are 10, 5, 2.5,
/// 1.25, 0.625 (iteration 4, the best), then 1.875, 0.9375, 2.8125,
/// 1.40625, 0.703125, 2.109375 (iteration 10): IRLS oscillates as on the
/// adaptive map, and ends far above its best.
struct OvershootingQuadratic {
  Image<double> c;
  double Evaluate(const Image<double>& x) const { return 0.5 * xt::sum(xt::square(x - c))(); }
  void Gradient(const Image<double>& x, Image<double>& g) const { g = x - c; }
  void Majorise(const Image<double>& x0, QuadraticMajoriser& q) const {
    const int n = int(height(c) * width(c));
    const double r = xt::amax(xt::abs(x0 - c))() >= 1 ? 0.5 : -3.0;
    q.A.resize(n, n);
    q.A.setIdentity();
    q.channel_A.clear();
    q.b = c + r * (x0 - c);  // A = I: the bound's minimiser is b
    q.constant = 0;
  }
};

}  // namespace

TEST_CASE("IRLS keeps the best iterate where it oscillates, and reports both") {
  const Image<double> c = random_image<double>(3, 4, 31, 20, 200);
  const OvershootingQuadratic f{c};
  IrlsOptions o = options_for(Backend::cholmod, 10);
  Image<double> x = c + 10.0;
  std::vector<double> seen_energies;
  o.callback = [&](const IterationState& state) {
    seen_energies.push_back(f.Evaluate(*state.x<Image<double>>()));
    return CallbackReturn::continue_solving;
  };
  const Summary s = solve_irls(o, f, x);
  INFO(s.FullReport());
  REQUIRE(s.iterations.size() == 11);
  CHECK(s.best_iteration == 4);
  CHECK(s.returned_iteration == 4);
  CHECK(s.best_energy == doctest::Approx(36 * 0.5 * 0.625 * 0.625).epsilon(1e-12));
  CHECK(s.final_energy == s.best_energy);
  CHECK(f.Evaluate(x) == doctest::Approx(s.final_energy).epsilon(1e-12));
  CHECK(xt::amax(xt::abs(x - (c + 0.625)))() < 1e-9);  // the iterate of iteration 4
  CHECK(s.iterations.back().energy == doctest::Approx(36 * 0.5 * 2.109375 * 2.109375));
  CHECK(s.BriefReport().find("returned iteration 4") != std::string::npos);
  // The callback saw every iterate, the record's energy each time.
  REQUIRE(seen_energies.size() == 11);
  for (std::size_t k = 0; k < 11; ++k) CHECK(seen_energies[k] == doctest::Approx(s.iterations[k].energy));

  o.keep_best = false;  // the last iterate, as before
  x = c + 10.0;
  const Summary last = solve_irls(o, f, x);
  CHECK(last.returned_iteration == 10);
  CHECK(last.best_iteration == 4);
  CHECK(last.final_energy == last.iterations.back().energy);
  CHECK(xt::amax(xt::abs(x - (c - 2.109375)))() < 1e-9);
}

TEST_CASE("IRLS on the adaptive map: the returned iterate is the best recorded") {
  const auto problem = paper_problem<double>(PMapKind::adaptive);
  Image<double> x = problem.initial_point();
  const Summary s = solve_irls(options_for(Backend::automatic, 8), problem.objective(), x);
  INFO(s.FullReport());
  double lowest = s.iterations[0].energy;
  for (const auto& r : s.iterations) lowest = std::min(lowest, r.energy);
  CHECK(s.final_energy == lowest);
  CHECK(s.best_energy == lowest);
  CHECK(problem.objective().Evaluate(x) == doctest::Approx(lowest).epsilon(1e-12));
  CHECK(s.final_energy <= s.initial_energy);  // never above the input's energy
  // This crop is one where the adaptive map makes IRLS jump far above the
  // input's energy (E 729 → 5033 at the first iteration, measured).
  CHECK(s.iterations.back().energy > s.final_energy);
  MESSAGE("adaptive map, 8 IRLS iterations: E " << s.initial_energy << ", best " << s.best_energy
                                               << " at iteration " << s.best_iteration
                                               << ", last " << s.iterations.back().energy);
}
