#pragma once
/// \file
/// The linear solvers behind IRLS, with Eigen's verbs, so IRLS does not care
/// which one runs: `analyzePattern` once (the window pattern never changes
/// between iterations), `factorize` per matrix, `solve` for one or more
/// right-hand sides, `info`.
///
/// Matrices are SparseMatrixD (majoriser.hpp): symmetric positive definite,
/// **lower triangle** stored (diagonal included), CSC, compressed. A matrix
/// passed to factorize must have the analysed pattern and stay alive and
/// unchanged until the last solve that uses it (PCG multiplies by it).
///
/// Backends: CholmodSolver (cholmod_solver.hpp, supernodal Cholesky) and
/// PcgSolver below (Eigen's ConjugateGradient, Jacobi or incomplete-Cholesky
/// preconditioner, warm-started from the guess passed to solve).

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/SparseCore>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "ismooth/error.hpp"
#include "ismooth/majoriser.hpp"

namespace ismooth {

/// Interface of the IRLS linear solvers (after Eigen's sparse solvers).
class SparseSolver {
 public:
  virtual ~SparseSolver() = default;

  /// "cholmod" or "pcg".
  virtual std::string name() const = 0;
  /// Symbolic work on the pattern of `lower` (ordering, CHOLMOD's supernodal
  /// analysis). Values are not read.
  virtual void analyzePattern(const SparseMatrixD& lower) = 0;
  /// Numeric work on `lower` (CHOLMOD: Cholesky factor; PCG: preconditioner).
  /// Needs a prior analyzePattern of the same pattern.
  virtual void factorize(const SparseMatrixD& lower) = 0;
  /// Solves A·X = B column by column. On entry `x` (N × B.cols()) is the
  /// initial guess (PCG starts from it; CHOLMOD ignores it), on exit the
  /// solution; resized if its shape differs from b's.
  virtual void solve(const Eigen::MatrixXd& b, Eigen::MatrixXd& x) = 0;
  /// Success, or NumericalIssue (not positive definite), NoConvergence (PCG
  /// iteration limit), InvalidInput (call order, sizes) of the last call.
  virtual Eigen::ComputationInfo info() const = 0;
  /// Why info() is not Success (empty otherwise).
  virtual std::string message() const = 0;
  /// Numbers of the last analyzePattern/factorize/solve: e.g. "cg_iterations"
  /// (summed over right-hand sides), "cg_relative_residual" (largest),
  /// "factor_nnz", "factor_mib", "factor_flops".
  virtual std::map<std::string, double> statistics() const = 0;
};

/// Which PCG preconditioner.
enum class PcgPreconditioner {
  jacobi,               ///< diagonal: cheapest set-up, no extra memory
  incomplete_cholesky,  ///< Eigen's IncompleteCholesky (AMD order): costly set-up
};

/// Options of PcgSolver.
struct PcgOptions {
  /// Stop a solve when ‖b − A·x‖₂ ≤ tolerance·‖b‖₂ (Eigen's rule).
  double tolerance = 1e-6;
  /// Iterations per right-hand side; reaching it is NoConvergence (the
  /// iterate is still kept: warm-started CG never raises the quadratic).
  int max_iterations = 1000;
  PcgPreconditioner preconditioner = PcgPreconditioner::jacobi;
};

/// Preconditioned conjugate gradients (Eigen's ConjugateGradient reading the
/// lower triangle). Header-only; single-threaded (Eigen's symmetric
/// sparse-times-vector product is), memory-bound: ~12 bytes per stored entry
/// are read per iteration.
class PcgSolver final : public SparseSolver {
 public:
  explicit PcgSolver(PcgOptions options = {}) : options_(options) {
    if (options_.preconditioner == PcgPreconditioner::jacobi)
      cg_.emplace<Jacobi>();
    else
      cg_.emplace<Ichol>();
    std::visit(
        [&](auto& cg) {
          cg.setTolerance(options_.tolerance);
          cg.setMaxIterations(options_.max_iterations);
        },
        cg_);
  }

  std::string name() const override { return "pcg"; }

  void analyzePattern(const SparseMatrixD& lower) override {
    reset();
    n_ = lower.rows();
    std::visit([&](auto& cg) { cg.analyzePattern(lower); }, cg_);
    analysed_ = true;
  }

  void factorize(const SparseMatrixD& lower) override {
    reset();
    if (!analysed_ || lower.rows() != n_) return invalid("PcgSolver::factorize before analyzePattern");
    factorized_ = false;
    // CG cannot detect an indefinite matrix itself; a non-positive diagonal
    // entry is the cheap certificate (and makes Jacobi meaningless).
    for (Eigen::Index j = 0; j < lower.outerSize(); ++j) {
      double diagonal = 0;
      for (SparseMatrixD::InnerIterator it(lower, j); it; ++it)
        if (it.row() == j) diagonal = it.value();
      if (!(diagonal > 0)) {
        info_ = Eigen::NumericalIssue;
        message_ = "PCG: the matrix is not positive definite (diagonal entry " +
                   std::to_string(diagonal) + " at row " + std::to_string(j) + ")";
        return;
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::visit([&](auto& cg) { cg.factorize(lower); }, cg_);
    stats_["preconditioner_seconds"] = seconds_since(t0);
    info_ = std::visit([](auto& cg) { return cg.info(); }, cg_);
    if (info_ != Eigen::Success) message_ = "PCG: the preconditioner could not be computed "
                                            "(matrix not positive definite?)";
    factorized_ = info_ == Eigen::Success;
  }

  void solve(const Eigen::MatrixXd& b, Eigen::MatrixXd& x) override {
    if (!factorized_) return invalid("PcgSolver::solve before a successful factorize");
    if (b.rows() != n_) return invalid("PcgSolver::solve: right-hand side has the wrong size");
    if (x.rows() != b.rows() || x.cols() != b.cols()) x.setZero(b.rows(), b.cols());
    info_ = Eigen::Success;
    double iterations = 0, residual = 0;
    for (Eigen::Index c = 0; c < b.cols(); ++c) {
      const Eigen::VectorXd guess = x.col(c);
      std::visit(
          [&](auto& cg) {
            x.col(c) = cg.solveWithGuess(b.col(c), guess);
            iterations += double(cg.iterations());
            residual = std::max(residual, cg.error());
            if (cg.info() != Eigen::Success && info_ == Eigen::Success) info_ = cg.info();
          },
          cg_);
    }
    stats_["cg_iterations"] = iterations;
    stats_["cg_relative_residual"] = residual;
    if (info_ == Eigen::NoConvergence)
      message_ = "PCG reached " + std::to_string(options_.max_iterations) +
                 " iterations with relative residual " + std::to_string(residual) + " > " +
                 std::to_string(options_.tolerance);
    else if (info_ != Eigen::Success)
      message_ = "PCG broke down (matrix not positive definite?)";
    // A CG iterate is finite unless A is not positive definite.
    if (!x.allFinite()) {
      info_ = Eigen::NumericalIssue;
      message_ = "PCG produced non-finite values (matrix not positive definite?)";
    }
  }

  Eigen::ComputationInfo info() const override { return info_; }
  std::string message() const override { return message_; }
  std::map<std::string, double> statistics() const override { return stats_; }

 private:
  using Jacobi = Eigen::ConjugateGradient<SparseMatrixD, Eigen::Lower,
                                          Eigen::DiagonalPreconditioner<double>>;
  using Ichol = Eigen::ConjugateGradient<
      SparseMatrixD, Eigen::Lower,
      Eigen::IncompleteCholesky<double, Eigen::Lower, Eigen::AMDOrdering<int>>>;

  static double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  void reset() {
    info_ = Eigen::Success;
    message_.clear();
    stats_.clear();
  }
  void invalid(const char* why) {
    info_ = Eigen::InvalidInput;
    message_ = why;
  }

  PcgOptions options_;
  std::variant<Jacobi, Ichol> cg_;
  Eigen::Index n_ = 0;
  bool analysed_ = false, factorized_ = false;
  Eigen::ComputationInfo info_ = Eigen::Success;
  std::string message_;
  std::map<std::string, double> stats_;
};

}  // namespace ismooth
