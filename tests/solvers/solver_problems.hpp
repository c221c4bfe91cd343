#pragma once
// Test problems for the per-image solvers that carry their own answers
// (initial point, known minimiser, known minimum), after ensmallen's test
// functions, and one harness that runs any solver on any of them.
//
// A solver enters the harness as a generic callable
//     [](const auto& objective, auto& x) -> Summary
// so adding a solver to every problem is one line in test_solver_problems.cpp.
//
// The user terms below are written the way a user would write them: plain
// structs with only some of the members of the DifferentiableObjective
// concept (objective.hpp), plus the Majorise member IRLS needs
// (majoriser.hpp), and no adapter code.

#include <doctest/doctest.h>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "ismooth/image_io.hpp"
#include "ismooth/majoriser.hpp"
#include "ismooth/objective.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/summary.hpp"
#include "test_support.hpp"

namespace ismooth::test {

/// The photo the solver tests use (skimage's astronaut, 512×512 RGB).
inline const char* const kPhoto = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

/// An h×w crop at (y0, x0) of the test photo, 0–255. Without the photo, a
/// synthetic picture (gradient, a square, noise) with a message, so the
/// solver tests still run.
inline Image<double> photo_crop(std::size_t y0, std::size_t x0, std::size_t h, std::size_t w) {
  if (!std::filesystem::exists(kPhoto)) {
    MESSAGE("test photo " << kPhoto << " is missing: using a synthetic image");
    Image<double> img = random_image<double>(h, w, 7, -4, 4);
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
          const bool inside = y > h / 4 && y < 3 * h / 4 && x > w / 4 && x < 3 * w / 4;
          img(c, y, x) += inside ? 200.0 - 40 * c : 30.0 + 150.0 * x / w + 20 * c;
        }
    return img;
  }
  const Image<double> full = load_image_as<double>(kPhoto);
  Image<double> crop = make_image<double>(h, w);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) crop(c, y, x) = full(c, y0 + y, x0 + x);
  return crop;
}

// ------------------------------------------------------------------ user terms

/// f(x) = ½‖x − c‖²: a quadratic with minimiser c and minimum 0. Provides
/// only Evaluate and Gradient (and Majorise for IRLS: itself, A = I, b = c).
struct UserQuadratic {
  Image<double> c;

  void Majorise(const Image<double>&, QuadraticMajoriser& q) const {
    const int n = int(height(c) * width(c));
    q.A.resize(n, n);
    q.A.setIdentity();
    q.channel_A.clear();
    q.b = c;
    q.constant = 0;
    for (double v : c) q.constant += 0.5 * v * v;
  }

  double Evaluate(const Image<double>& x) const {
    double s = 0;
    for (std::size_t k = 0; k < x.size(); ++k)
      s += 0.5 * (x.data()[k] - c.data()[k]) * (x.data()[k] - c.data()[k]);
    return s;
  }
  void Gradient(const Image<double>& x, Image<double>& g) const {
    g.resize(x.shape());
    for (std::size_t k = 0; k < x.size(); ++k) g.data()[k] = x.data()[k] - c.data()[k];
  }
};

/// f(x) = Σ log cosh(x − c): smooth, not quadratic (L1-like far from c, so
/// the gradient saturates at ±1), minimiser c, minimum 0. Provides only
/// EvaluateWithGradient (and Majorise for IRLS: the classic bound
/// log cosh d ≤ log cosh d0 + ½·(tanh d0 / d0)·(d² − d0²), one weight per
/// value, so per-channel diagonal matrices).
struct UserLogCosh {
  Image<double> c;

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
        const double d0 = x0.data()[k] - c.data()[k], a = std::abs(d0);
        const double w = a < 1e-8 ? 1.0 : std::tanh(d0) / d0;
        t.emplace_back(i, i, w);
        q.b.data()[k] = w * c.data()[k];
        q.constant += a + std::log1p(std::exp(-2 * a)) - std::log(2.0) - 0.5 * w * d0 * d0 +
                      0.5 * w * c.data()[k] * c.data()[k];
      }
      q.channel_A[std::size_t(ch)].setFromTriplets(t.begin(), t.end());
    }
  }

  double EvaluateWithGradient(const Image<double>& x, Image<double>& g) const {
    g.resize(x.shape());
    double s = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double z = x.data()[k] - c.data()[k], a = std::abs(z);
      s += a + std::log1p(std::exp(-2 * a)) - std::log(2.0);  // log cosh z, overflow-free
      g.data()[k] = std::tanh(z);
    }
    return s;
  }
};

// ------------------------------------------------------------------ problems

/// A problem with its answer: objective(), initial_point(), minimiser(),
/// minimum().
template <class Objective>
struct KnownProblem {
  std::string name;
  Objective f;
  Image<double> start, argmin;
  double min_value = 0;

  const Objective& objective() const { return f; }
  Image<double> initial_point() const { return start; }
  const Image<double>& minimiser() const { return argmin; }
  double minimum() const { return min_value; }
};

/// ½‖x − c‖² on a 3×6×8 image, c in [20, 235], started up to 30 levels away.
inline KnownProblem<UserQuadratic> quadratic_problem() {
  Image<double> c = random_image<double>(6, 8, 11, 20, 235);
  Image<double> start = c + random_image<double>(6, 8, 12, -30, 30);
  return {"user quadratic", UserQuadratic{c}, start, c, 0.0};
}

/// Σ log cosh(x − c) on a 3×6×8 image, started up to 30 levels away.
inline KnownProblem<UserLogCosh> log_cosh_problem() {
  Image<double> c = random_image<double>(6, 8, 21, 20, 235);
  Image<double> start = c + random_image<double>(6, 8, 22, -30, 30);
  return {"user log cosh", UserLogCosh{c}, start, c, 0.0};
}

/// The exact minimiser of the all-L2 paper energy (λ_e = 0, docs/spec/energy.md §7):
/// (I + λ_f·L)·T_c = I_c per channel with a_ij = α·w^s_ij·([B_i = 0] + [B_j = 0]),
/// assembled here independently of the energy's kernel and solved by
/// Eigen's SimplicialLDLT.
inline Image<double> all_l2_minimiser(const Image<double>& input, const Mask& edges,
                                      const EnergyParams& p) {
  const long h = long(height(input)), w = long(width(input)), n = h * w, r = p.radius;
  std::vector<Eigen::Triplet<double>> entries;
  std::vector<double> diagonal(std::size_t(n), 1.0);
  for (long y = 0; y < h; ++y)
    for (long x = 0; x < w; ++x)
      for (long dy = -r; dy <= r; ++dy)
        for (long dx = -r; dx <= r; ++dx) {
          const long yy = y + dy, xx = x + dx;
          if ((dy == 0 && dx == 0) || yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const long i = y * w + x, j = yy * w + xx;
          const double ws = std::exp(-double(dx * dx + dy * dy) / (2 * p.sigma_s * p.sigma_s));
          const double a = p.alpha * ws * ((edges.data()[i] == 0) + (edges.data()[j] == 0));
          entries.emplace_back(i, j, -p.lambda_f * a);  // (i, j) and later (j, i)
          diagonal[std::size_t(i)] += p.lambda_f * a;
        }
  for (long i = 0; i < n; ++i) entries.emplace_back(i, i, diagonal[std::size_t(i)]);
  Eigen::SparseMatrix<double> a(n, n);
  a.setFromTriplets(entries.begin(), entries.end());
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(a);
  REQUIRE(ldlt.info() == Eigen::Success);
  Image<double> t = make_image<double>(std::size_t(h), std::size_t(w));
  for (std::size_t c = 0; c < 3; ++c) {
    const Eigen::Map<const Eigen::VectorXd> rhs(input.data() + c * std::size_t(n), n);
    Eigen::Map<Eigen::VectorXd>(t.data() + c * std::size_t(n), n) = ldlt.solve(rhs);
  }
  return t;
}

/// The paper's energy with a fixed p map (docs/spec/energy.md §7: λ_e = 0) on a crop
/// of the test photo, smoothing preset (h = 21, α = 5, structure edges),
/// started at T = I. For all_l2 the minimiser and minimum are exact (LDLT);
/// otherwise they are unknown (NaN) and only decrease can be checked.
template <class Scalar>
struct PaperProblem {
  std::string name;
  SmoothingEnergy<Scalar> f;
  Image<double> argmin;
  double min_value = std::numeric_limits<double>::quiet_NaN();

  const SmoothingEnergy<Scalar>& objective() const { return f; }
  Image<Scalar> initial_point() const { return f.input(); }
  const Image<double>& minimiser() const { return argmin; }
  double minimum() const { return min_value; }
};

template <class Scalar = double>
PaperProblem<Scalar> paper_problem(PMapKind kind, std::size_t h = 48, std::size_t w = 64) {
  const Image<double> input = photo_crop(180, 190, h, w);
  EnergyParams params = preset_params(Preset::smoothing);
  params.lambda_e = 0;
  auto f = make_energy(image_cast<Scalar>(input), Preset::smoothing, params, {}, PMap{kind});
  const char* names[] = {"adaptive", "all-L2", "all-L0.8", "half L2/L0.8", "custom"};
  PaperProblem<Scalar> p{std::string("paper energy, ") + names[int(kind)], std::move(f), {}};
  if (kind == PMapKind::all_l2) {
    p.argmin = all_l2_minimiser(input, p.f.edge_term().edges(), params);
    p.min_value = p.f.Evaluate(image_cast<Scalar>(p.argmin));
  }
  return p;
}

// ------------------------------------------------------------------ harness

/// What a solver must achieve on a problem.
struct Expect {
  double relative_gap = 0;  ///< allowed (f(x) − f*) / |f*|
  double absolute_gap = 0;  ///< allowed f(x) − f* on top of that
  double max_error = std::numeric_limits<double>::infinity();  ///< max |x − x*|
};

/// Runs `solve(objective, x)` from the problem's initial point and checks the
/// answer and the summary's consistency; returns the summary and leaves the
/// final point in `*final_x` if given.
template <class Problem, class Solve>
Summary check_problem(const Problem& problem, Solve&& solve, const Expect& expect,
                      decltype(problem.initial_point())* final_x = nullptr) {
  auto x = problem.initial_point();
  const double start = evaluate(problem.objective(), x);
  const Summary s = solve(problem.objective(), x);
  const double f = evaluate(problem.objective(), x);
  INFO(problem.name << ", " << s.BriefReport());
  CHECK(s.IsSolutionUsable());
  REQUIRE(s.iterations.size() >= 2);
  CHECK(s.initial_energy == doctest::Approx(start).epsilon(1e-12));
  CHECK(s.final_energy == doctest::Approx(f).epsilon(1e-12));
  CHECK(f < start);
  const double gap = f - problem.minimum();
  INFO("f = " << f << ", f* = " << problem.minimum() << ", gap = " << gap
              << ", relative gap = " << gap / std::abs(problem.minimum()));
  CHECK(gap >= -1e-9 * (1 + std::abs(problem.minimum())));  // f* really is the minimum
  CHECK(gap <= expect.relative_gap * std::abs(problem.minimum()) + expect.absolute_gap);
  if (std::isfinite(expect.max_error)) {
    double error = 0;
    for (std::size_t k = 0; k < x.size(); ++k)
      error = std::max(error, std::abs(double(x.data()[k]) - problem.minimiser().data()[k]));
    INFO("max |x - x*| = " << error);
    CHECK(error <= expect.max_error);
  }
  if (final_x) *final_x = x;
  return s;
}

}  // namespace ismooth::test
