#pragma once
/// \file
/// The one sparse system behind ismooth's quadratic filters: on an H×W pixel
/// grid with 4-neighbour pairs,
///
///     A = diag(d) + Σ_{pairs (p,q)} w_pq (e_p − e_q)(e_p − e_q)ᵀ,
///
/// a diagonal plus a weighted graph Laplacian — symmetric positive definite
/// whenever every d_p > 0 and w_pq ≥ 0. WLS (wls.hpp) is d = 1, w = λ·a_pq;
/// each half-quadratic step of L0 smoothing (l0_smooth.hpp) is d = 1, w = β;
/// the pencil texture's exponent field (apps/pencil_texture.hpp) is
/// d = (ln H)², w = θ. They all go through grid_system_matrix and
/// solve_grid_system, i.e. through the IRLS linear solvers of
/// solvers/sparse_solver.hpp (CHOLMOD, or PCG on very large grids).
///
/// Pixels are numbered p = y·W + x (row-major, as one channel of Image).

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cstddef>
#include <memory>
#include <vector>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"
#include "ismooth/majoriser.hpp"
#include "ismooth/solvers/cholmod_solver.hpp"
#include "ismooth/solvers/sparse_solver.hpp"

namespace ismooth::filters {

/// Pair weights of a grid: `horizontal` (H, W−1) couples (y, x) with
/// (y, x+1); `vertical` (H−1, W) couples (y, x) with (y+1, x).
struct GridWeights {
  Plane<double> horizontal;
  Plane<double> vertical;
};

/// Weights of an H×W grid, all equal to `value`.
inline GridWeights uniform_grid_weights(std::size_t h, std::size_t w, double value) {
  GridWeights g;
  g.horizontal = Plane<double>::from_shape({h, w > 0 ? w - 1 : 0});
  g.vertical = Plane<double>::from_shape({h > 0 ? h - 1 : 0, w});
  g.horizontal.fill(value);
  g.vertical.fill(value);
  return g;
}

/// The lower triangle (diagonal included, CSC, compressed) of
/// diag(d) + Σ w_pq (e_p − e_q)(e_p − e_q)ᵀ. `diagonal` is (H, W); throws
/// unless the weights have the shapes of GridWeights for that grid.
inline SparseMatrixD grid_system_matrix(const Plane<double>& diagonal, const GridWeights& w) {
  const std::size_t h = height(diagonal), wd = width(diagonal);
  require(w.horizontal.shape()[0] == h && w.horizontal.shape()[1] + 1 == wd &&
              w.vertical.shape()[0] + 1 == h && w.vertical.shape()[1] == wd,
          "grid_system_matrix: weights do not match a ", wd, "x", h, " grid");
  const Eigen::Index n = Eigen::Index(h * wd);
  SparseMatrixD a(n, n);
  a.reserve(Eigen::VectorXi::Constant(n, 3));
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < wd; ++x) {
      const Eigen::Index p = Eigen::Index(y * wd + x);
      double d = diagonal(y, x);
      if (x + 1 < wd) d += w.horizontal(y, x);
      if (x > 0) d += w.horizontal(y, x - 1);
      if (y + 1 < h) d += w.vertical(y, x);
      if (y > 0) d += w.vertical(y - 1, x);
      // Column p holds rows p (diagonal), p + 1 (right) and p + W (below):
      // all ≥ p, so the lower triangle, in increasing row order.
      a.insert(p, p) = d;
      if (x + 1 < wd) a.insert(p + 1, p) = -w.horizontal(y, x);
      if (y + 1 < h) a.insert(p + Eigen::Index(wd), p) = -w.vertical(y, x);
    }
  }
  a.makeCompressed();
  return a;
}

/// Grids up to this many pixels are factorised by CHOLMOD; larger ones go to
/// PCG with an incomplete-Cholesky preconditioner (the Cholesky factor of a
/// 2-D grid grows as N log N).
inline constexpr std::size_t kGridCholmodMaxPixels = 4'000'000;

/// Factorises grid systems and solves with them, analysing the pattern once
/// for a sequence of matrices of one grid (L0's rounds change only values).
class GridSolver {
 public:
  /// Numeric factorisation of `lower` (grid_system_matrix), after the
  /// symbolic analysis when the size changed. Throws ismooth::Error with the
  /// solver's message if A is not positive definite.
  void factorize(const SparseMatrixD& lower) {
    if (!solver_ || lower.rows() != matrix_.rows()) {
      if (std::size_t(lower.rows()) <= kGridCholmodMaxPixels)
        solver_ = std::make_unique<CholmodSolver>();
      else
        solver_ = std::make_unique<PcgSolver>(
            PcgOptions{1e-8, 5000, PcgPreconditioner::incomplete_cholesky});
      solver_->analyzePattern(lower);
    }
    matrix_ = lower;  // PCG multiplies by it: keep it alive until the solves
    solver_->factorize(matrix_);
    require(solver_->info() == Eigen::Success, "GridSolver: ", solver_->message());
  }

  /// X with A·X = B (one column per right-hand side) for the last factorised A.
  Eigen::MatrixXd solve(const Eigen::MatrixXd& rhs) {
    require(solver_ != nullptr, "GridSolver::solve before factorize");
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(rhs.rows(), rhs.cols());
    solver_->solve(rhs, x);
    require(solver_->info() == Eigen::Success, "GridSolver: ", solver_->message());
    return x;
  }

 private:
  std::unique_ptr<SparseSolver> solver_;
  SparseMatrixD matrix_;
};

/// Solves A·X = B (A from grid_system_matrix, B with one column per right-
/// hand side) and returns X. Throws ismooth::Error with the solver's message
/// if A is not positive definite or PCG does not converge.
inline Eigen::MatrixXd solve_grid_system(const SparseMatrixD& lower, const Eigen::MatrixXd& rhs) {
  GridSolver solver;
  solver.factorize(lower);
  return solver.solve(rhs);
}

}  // namespace ismooth::filters
