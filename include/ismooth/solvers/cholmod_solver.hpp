#pragma once
/// \file
/// Supernodal sparse Cholesky from SuiteSparse's CHOLMOD behind the
/// SparseSolver interface (sparse_solver.hpp). CHOLMOD's headers stay in
/// solvers/cholmod_backend.cpp (pimpl): users of ismooth::solvers need none.
///
/// The matrix is handed to CHOLMOD without a copy as a symmetric matrix with
/// its lower triangle stored (stype = −1). `analyzePattern` picks the fill-
/// reducing ordering (CHOLMOD's default strategy: AMD, then METIS nested
/// dissection when AMD's fill is poor) and the supernodal structure once;
/// `factorize` reuses them for every new set of values; `solve` takes all
/// right-hand sides at once. Dense supernodal kernels go to the system BLAS
/// (OpenBLAS here, multi-threaded).
///
/// Memory: the factor dominates (sizes for the paper's h = 21 window and the
/// orderings compared: docs/solvers.md, "IRLS"); statistics() reports
/// "factor_nnz" and "factor_mib" after analyzePattern, so callers can check
/// before factorising.

#include <memory>

#include "ismooth/solvers/sparse_solver.hpp"

namespace ismooth {

class CholmodSolver final : public SparseSolver {
 public:
  struct Options {
    /// Supernodal (BLAS-3) factorisation; false = simplicial (slower here).
    bool supernodal = true;
    /// Fill-reducing ordering: CHOLMOD's default strategy (AMD, then METIS
    /// if AMD's fill is poor), or one method only.
    enum class Ordering { automatic, amd, metis, nesdis } ordering = Ordering::automatic;
  };

  explicit CholmodSolver(Options options);
  CholmodSolver();
  ~CholmodSolver() override;
  CholmodSolver(const CholmodSolver&) = delete;
  CholmodSolver& operator=(const CholmodSolver&) = delete;

  std::string name() const override { return "cholmod"; }
  void analyzePattern(const SparseMatrixD& lower) override;
  void factorize(const SparseMatrixD& lower) override;
  void solve(const Eigen::MatrixXd& b, Eigen::MatrixXd& x) override;
  Eigen::ComputationInfo info() const override;
  std::string message() const override;
  std::map<std::string, double> statistics() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ismooth
