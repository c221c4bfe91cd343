#pragma once
/// \file
/// The contract between IRLS (irls.hpp) and the objectives it minimises: a
/// *majoriser* is a quadratic upper bound of f that touches f at the current
/// iterate x⁰ (paper Sec. 5.1, docs/spec/energy.md §11). Minimising the bound cannot
/// raise f (majorise–minimise), and the bound is one sparse SPD system per
/// colour channel.
///
/// A type is Majorisable when it has `void Majorise(const X& x0,
/// QuadraticMajoriser& q) const` that fills q's outputs so that, for all x,
///
///     f(x) ≤ q.constant + Σ_c ( ½ x_cᵀ A_c x_c − b_cᵀ x_c ),   A_c = q.A + q.channel_A[c],
///
/// with equality at x0 (up to the floor `expansion_floor` below). x_c is channel c of
/// x as a vector of N = H·W values (planar layout, image.hpp). Users write
/// Majorise for their own terms; no adapter is needed (see test_irls.cpp for a
/// quadratic and a log-cosh term), and WeightedSum (objective.hpp) sums the
/// majorisers of its parts.
///
/// Storage: matrices are Eigen column-major `SparseMatrix<double>` (int
/// indices), N×N, symmetric. Only the **lower triangle** (row ≥ column,
/// diagonal included) is read; a term may store the full matrix (the upper
/// entries are ignored) but not the upper triangle alone. The paper's terms
/// store the lower triangle only: half the memory, and CHOLMOD (stype = −1)
/// and the PCG backend (Eigen's selfadjointView<Lower>) read it as it is.
///
/// Why `channel_A`: the issue asked for one matrix shared by the three
/// channels (factor once, solve three right-hand sides). That holds for p = 2
/// pairs, whose weights do not depend on T, but the IRLS weight of an Lp pair
/// is (p/2)·|d_c⁰|^{p−2} with d_c⁰ = T⁰_ic − T⁰_jc *of that channel*: a bound
/// that is tangent to Σ_c |d_c|^p in every channel needs one matrix per
/// channel. A single shared matrix is still a valid bound if every pair takes
/// the largest of its three channel weights (`per_channel = false`, see
/// FlatteningTerm::Majorise), at the cost of much slower progress (measured in
/// docs/solvers.md, "IRLS"); the paper's
/// energy uses shared A whenever its weights are channel-independent.

#include <Eigen/SparseCore>
#include <concepts>
#include <cstddef>
#include <string_view>
#include <vector>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// The sparse matrix type of the majorisers and linear solvers: CSC, int
/// indices, lower triangle read.
using SparseMatrixD = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

/// Quadratic upper bound of f around x0 (see \file). Two fields are inputs
/// the solver sets before calling Majorise; the rest are outputs the term
/// overwrites. A term may reuse the storage it finds in the outputs (the
/// solver passes the same object every iteration): the paper's energy keeps
/// its matrix pattern and only rewrites values.
struct QuadraticMajoriser {
  // ---- inputs (set by the solver; terms without non-smooth penalties ignore them)
  /// Expansion floor δ for penalties that are not differentiable at 0, in the
  /// units of x (0–255): a pair difference |d⁰| < δ is majorised at |d| = δ.
  /// The bound stays a true upper bound of f, but no longer touches f at x0
  /// for such pairs (gap ≤ (1 − p/2)·δ^p per pair and channel).
  /// (IrlsOptions::expansion_floor; not the energy's smoothing ε.)
  double expansion_floor = 1e-2;
  /// Whether the term may return per-channel matrices (channel_A).
  bool per_channel = true;

  // ---- outputs
  /// N×N, shared by the three channels; may hold no entries.
  SparseMatrixD A;
  /// Empty, or three N×N matrices added to A for channel 0, 1, 2.
  std::vector<SparseMatrixD> channel_A;
  /// Linear terms, shape (3, H, W), same layout as x.
  Image<double> b;
  /// The constant of the bound (so that its value at x0 is f(x0)).
  double constant = 0;

  /// N, the number of unknowns per channel.
  Eigen::Index pixels() const { return A.rows(); }
  bool has_channel_matrices() const { return !channel_A.empty(); }
};

/// Objects that provide a quadratic majoriser at a point.
template <class F, class X>
concept Majorisable = requires(const F& f, const X& x, QuadraticMajoriser& q) {
  f.Majorise(x, q);
};

/// A majoriser with q's inputs and empty outputs (for summing parts).
inline QuadraticMajoriser empty_like(const QuadraticMajoriser& q) {
  QuadraticMajoriser out;
  out.expansion_floor = q.expansion_floor;
  out.per_channel = q.per_channel;
  return out;
}

/// Throws ismooth::Error naming `where` unless q's outputs are consistent
/// with a variable of `values` entries (= 3N).
inline void check_majoriser(const QuadraticMajoriser& q, std::size_t values,
                            std::string_view where) {
  const Eigen::Index n = q.A.rows();
  require(n > 0 && std::size_t(3 * n) == values, where, ": the majoriser's A is ", q.A.rows(), "x",
          q.A.cols(), " but x has ", values, " values (expected A to be N x N with 3N = ", values,
          ")");
  require(q.A.cols() == n, where, ": A must be square, got ", q.A.rows(), "x", q.A.cols());
  require(q.channel_A.empty() || q.channel_A.size() == kChannels, where,
          ": channel_A must be empty or hold 3 matrices, got ", q.channel_A.size());
  for (const auto& m : q.channel_A)
    require(m.rows() == n && m.cols() == n, where, ": a channel matrix is ", m.rows(), "x",
            m.cols(), ", expected ", n, "x", n);
  require(q.b.size() == values, where, ": b has ", q.b.size(), " values, expected ", values);
}

namespace detail {
/// Σ_{i ≥ j} contribution of a lower-read matrix: ½ xᵀ M x.
inline double half_quadratic_form(const SparseMatrixD& m, const double* x) {
  double s = 0;
  for (Eigen::Index j = 0; j < m.outerSize(); ++j)
    for (SparseMatrixD::InnerIterator it(m, j); it; ++it) {
      if (it.row() == j)
        s += 0.5 * it.value() * x[j] * x[j];
      else if (it.row() > j)
        s += it.value() * x[it.row()] * x[j];
    }
  return s;
}
}  // namespace detail

/// The value of the bound at x: constant + Σ_c (½ x_cᵀ A_c x_c − b_cᵀ x_c).
/// x: any container with contiguous data() of 3N values (planar).
template <class X>
double evaluate_majoriser(const QuadraticMajoriser& q, const X& x) {
  check_majoriser(q, x.size(), "evaluate_majoriser");
  const std::size_t n = std::size_t(q.pixels());
  std::vector<double> xc(n);
  double value = q.constant;
  for (std::size_t c = 0; c < kChannels; ++c) {
    for (std::size_t k = 0; k < n; ++k) xc[k] = double(x.data()[c * n + k]);
    value += detail::half_quadratic_form(q.A, xc.data());
    if (q.has_channel_matrices()) value += detail::half_quadratic_form(q.channel_A[c], xc.data());
    for (std::size_t k = 0; k < n; ++k) value -= q.b.data()[c * n + k] * xc[k];
  }
  return value;
}

/// The lower triangle (diagonal included) of m, compressed.
inline SparseMatrixD lower_triangle(const SparseMatrixD& m) {
  SparseMatrixD out = m.triangularView<Eigen::Lower>();
  out.makeCompressed();
  return out;
}

/// True when m has no entry above the diagonal.
inline bool is_lower(const SparseMatrixD& m) {
  for (Eigen::Index j = 0; j < m.outerSize(); ++j)
    for (SparseMatrixD::InnerIterator it(m, j); it; ++it)
      if (it.row() < j) return false;
  return true;
}

/// sum += weight · part, for summing the majorisers of WeightedSum's parts.
/// A `sum` without outputs yet (A of size 0) takes the scaled part.
inline void add_scaled(QuadraticMajoriser& sum, double weight, const QuadraticMajoriser& part) {
  if (sum.A.rows() == 0 && sum.A.cols() == 0) {
    sum.A = weight * part.A;
    sum.channel_A.clear();
    for (const auto& m : part.channel_A) sum.channel_A.push_back(weight * m);
    sum.b = weight * part.b;
    sum.constant = weight * part.constant;
    return;
  }
  require(sum.A.rows() == part.A.rows() && sum.b.size() == part.b.size(),
          "add_scaled: majorisers of different sizes (", sum.A.rows(), " and ", part.A.rows(),
          " pixels)");
  sum.A = sum.A + weight * part.A;
  if (!part.channel_A.empty()) {
    if (sum.channel_A.empty()) {
      for (const auto& m : part.channel_A) sum.channel_A.push_back(weight * m);
    } else {
      for (std::size_t c = 0; c < kChannels; ++c)
        sum.channel_A[c] = sum.channel_A[c] + weight * part.channel_A[c];
    }
  }
  sum.b += weight * part.b;
  sum.constant += weight * part.constant;
}

}  // namespace ismooth
