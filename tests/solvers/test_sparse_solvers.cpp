// The IRLS linear solvers (sparse_solver.hpp, cholmod_solver.hpp) on real
// majoriser matrices: CHOLMOD and PCG against Eigen's SimplicialLDLT, the
// analyse-once / factorise-many cycle, warm starts, and failure reporting.
#include <doctest/doctest.h>

#include <Eigen/SparseCholesky>

#include "ismooth/presets.hpp"
#include "ismooth/solvers/cholmod_solver.hpp"
#include "ismooth/solvers/sparse_solver.hpp"
#include "solver_problems.hpp"

using namespace ismooth;

namespace {

/// Channel 0 matrix and the three right-hand sides of the all-L0.8 paper
/// majoriser at a noisy T on a 20×24 photo crop (h = 21 window: ~200
/// entries per column, the structure IRLS solves).
struct System {
  SparseMatrixD a;
  Eigen::MatrixXd b;
};

System paper_system(unsigned seed = 3) {
  const Image<double> input = test::photo_crop(200, 200, 20, 24);
  EnergyParams params = preset_params(Preset::smoothing);
  params.lambda_e = 0;
  const auto f = make_energy(input, Preset::smoothing, params, {}, PMap{PMapKind::all_lp});
  const Image<double> t = input + test::random_image<double>(20, 24, seed, -3, 3);
  QuadraticMajoriser q;
  f.Majorise(t, q);
  REQUIRE(q.has_channel_matrices());
  System s{q.channel_A[0], Eigen::MatrixXd(480, 3)};
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 480; ++i) s.b(i, c) = q.b.data()[c * 480 + i];
  return s;
}

Eigen::MatrixXd ldlt_solve(const SparseMatrixD& lower, const Eigen::MatrixXd& b) {
  Eigen::SimplicialLDLT<SparseMatrixD, Eigen::Lower> ldlt(lower);
  REQUIRE(ldlt.info() == Eigen::Success);
  return ldlt.solve(b);
}

double relative_error(const Eigen::MatrixXd& x, const Eigen::MatrixXd& ref) {
  return (x - ref).norm() / ref.norm();
}

}  // namespace

TEST_CASE("sparse solvers: CHOLMOD and PCG agree with SimplicialLDLT on a majoriser matrix") {
  const System s = paper_system();
  CHECK(is_lower(s.a));
  const Eigen::MatrixXd ref = ldlt_solve(s.a, s.b);

  CholmodSolver cholmod;
  cholmod.analyzePattern(s.a);
  REQUIRE(cholmod.info() == Eigen::Success);
  cholmod.factorize(s.a);
  REQUIRE(cholmod.info() == Eigen::Success);
  Eigen::MatrixXd x_chol;
  cholmod.solve(s.b, x_chol);
  REQUIRE(cholmod.info() == Eigen::Success);
  CHECK(relative_error(x_chol, ref) < 1e-10);
  CHECK(cholmod.statistics().at("factor_nnz") >= double(s.a.nonZeros()));

  for (auto pre : {PcgPreconditioner::jacobi, PcgPreconditioner::incomplete_cholesky}) {
    PcgSolver pcg(PcgOptions{1e-12, 5000, pre});
    pcg.analyzePattern(s.a);
    pcg.factorize(s.a);
    REQUIRE(pcg.info() == Eigen::Success);
    Eigen::MatrixXd x_pcg = Eigen::MatrixXd::Zero(480, 3);
    pcg.solve(s.b, x_pcg);
    INFO("preconditioner " << int(pre) << ": " << pcg.message());
    REQUIRE(pcg.info() == Eigen::Success);
    CHECK(relative_error(x_pcg, ref) < 1e-8);
    CHECK(relative_error(x_pcg, x_chol) < 1e-8);
    CHECK(pcg.statistics().at("cg_iterations") > 0);
  }
}

TEST_CASE("sparse solvers: analyse once, factorise many with changed values") {
  const System s1 = paper_system(3), s2 = paper_system(4);
  REQUIRE(s1.a.nonZeros() == s2.a.nonZeros());
  CHECK((s1.a - s2.a).norm() > 1e-3 * s1.a.norm());  // really different values
  CholmodSolver cholmod;
  PcgSolver pcg(PcgOptions{1e-12, 5000});
  for (SparseSolver* solver : {static_cast<SparseSolver*>(&cholmod), static_cast<SparseSolver*>(&pcg)}) {
    solver->analyzePattern(s1.a);
    REQUIRE(solver->info() == Eigen::Success);
    for (const System* s : {&s1, &s2, &s1}) {
      solver->factorize(s->a);
      REQUIRE(solver->info() == Eigen::Success);
      Eigen::MatrixXd x = Eigen::MatrixXd::Zero(480, 3);
      solver->solve(s->b, x);
      REQUIRE(solver->info() == Eigen::Success);
      CHECK(relative_error(x, ldlt_solve(s->a, s->b)) < 1e-8);
    }
  }
}

TEST_CASE("sparse solvers: PCG warm start from the solution needs no iteration") {
  const System s = paper_system();
  const Eigen::MatrixXd ref = ldlt_solve(s.a, s.b);
  PcgSolver pcg(PcgOptions{1e-8, 1000});
  pcg.analyzePattern(s.a);
  pcg.factorize(s.a);
  Eigen::MatrixXd x = ref;
  pcg.solve(s.b, x);
  CHECK(pcg.info() == Eigen::Success);
  CHECK(pcg.statistics().at("cg_iterations") == 0);
  Eigen::MatrixXd cold = Eigen::MatrixXd::Zero(480, 3);
  pcg.solve(s.b, cold);
  CHECK(pcg.statistics().at("cg_iterations") > 3);
}

TEST_CASE("sparse solvers: PCG reports an iteration limit as NoConvergence, keeping the iterate") {
  const System s = paper_system();
  PcgSolver pcg(PcgOptions{1e-14, 2});
  pcg.analyzePattern(s.a);
  pcg.factorize(s.a);
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(480, 3);
  pcg.solve(s.b, x);
  CHECK(pcg.info() == Eigen::NoConvergence);
  CHECK(pcg.message().find("iterations") != std::string::npos);
  CHECK(x.allFinite());
  CHECK(x.norm() > 0);
}

TEST_CASE("sparse solvers: a matrix that is not positive definite is reported, not fatal") {
  System s = paper_system();
  CholmodSolver cholmod;
  PcgSolver pcg;
  SUBCASE("negative diagonal entry") {
    s.a.coeffRef(100, 100) = -1.0;
  }
  SUBCASE("positive diagonal, indefinite (off-diagonal larger than the diagonal)") {
    s.a.coeffRef(1, 0) = 10 * std::sqrt(s.a.coeff(0, 0) * s.a.coeff(1, 1));
  }
  cholmod.analyzePattern(s.a);
  REQUIRE(cholmod.info() == Eigen::Success);
  cholmod.factorize(s.a);
  CHECK(cholmod.info() == Eigen::NumericalIssue);
  CHECK(cholmod.message().find("not positive definite") != std::string::npos);
  Eigen::MatrixXd x;
  cholmod.solve(s.b, x);  // refused, not a crash
  CHECK(cholmod.info() == Eigen::InvalidInput);

  pcg.analyzePattern(s.a);
  pcg.factorize(s.a);
  if (s.a.coeff(100, 100) < 0) {
    CHECK(pcg.info() == Eigen::NumericalIssue);
    CHECK(pcg.message().find("not positive definite") != std::string::npos);
  }
}

TEST_CASE("sparse solvers: wrong call order and sizes are InvalidInput") {
  const System s = paper_system();
  CholmodSolver cholmod;
  cholmod.factorize(s.a);
  CHECK(cholmod.info() == Eigen::InvalidInput);
  PcgSolver pcg;
  pcg.factorize(s.a);
  CHECK(pcg.info() == Eigen::InvalidInput);
  cholmod.analyzePattern(s.a);
  cholmod.factorize(s.a);
  REQUIRE(cholmod.info() == Eigen::Success);
  Eigen::MatrixXd x;
  cholmod.solve(Eigen::MatrixXd::Ones(7, 1), x);
  CHECK(cholmod.info() == Eigen::InvalidInput);
  SparseMatrixD other(480, 480);
  other.setIdentity();
  cholmod.factorize(other);  // a different pattern than the analysed one
  CHECK(cholmod.info() == Eigen::InvalidInput);
}
