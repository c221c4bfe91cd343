#pragma once
/// \file
/// Iteratively reweighted least squares (paper Sec. 5.1, docs/spec/energy.md §11) for
/// any objective with a quadratic majoriser (majoriser.hpp):
///
///     Summary s = solve_irls(IrlsOptions{}, energy, t);   // t: Image, 0–255, T = I to start
///
/// Iteration k: majorise f at x_{k−1} (the paper's energy recomputes the
/// adaptive L2 mask from x_{k−1} here, as the paper does), solve the sparse
/// SPD system A_c·x_c = b_c of every colour channel, take the solution as
/// x_k. For a true majoriser f(x_k) ≤ bound(x_k) ≤ bound(x_{k−1}) = f(x_{k−1}).
///
/// Linear solvers (sparse_solver.hpp): the pattern is analysed once and
/// factorised per iteration (per channel when the majoriser has channel
/// matrices, else once for three right-hand sides). PCG is warm-started from
/// x_{k−1}; since each CG step lowers the quadratic, an inexact solve still
/// never raises the bound.
///
/// Automatic choice (`LinearSolver::automatic`): CHOLMOD when H·W ≤
/// `cholmod_max_pixels` (default 120 000, e.g. 400×300), PCG above. CHOLMOD
/// is faster wherever it fits, because Jacobi-PCG needs hundreds to 1000+ CG
/// iterations per solve (the IRLS weights span ~5 decades); memory decides
/// the rule, since the CHOLMOD factor grows ~N^1.3 while PCG needs only the
/// matrices. Timings and factor sizes per image size: docs/solvers.md,
/// "IRLS" and "Benchmark".
///
/// Monotonicity: with `expansion_floor` = δ the bound of an Lp pair with |d⁰| < δ is
/// taken at δ (majoriser.hpp), a true upper bound that exceeds f at x_{k−1}
/// by at most (1 − p/2)·δ^p per such pair and channel: the exact energy can
/// rise by at most that gap ("bound_gap" in each record). The adaptive map
/// changes with the iterate, so no monotonicity holds there: IRLS can
/// oscillate and end above its start. With `keep_best` (default) x returns
/// the iterate of lowest exact energy and the Summary says which
/// (returned_iteration, best_iteration, best_energy; final_energy is the
/// returned iterate's, the last record the last iterate's). Why δ = 1e-2
/// and what was observed on photos: docs/solvers.md, "IRLS".
///
/// Records: iteration 0 is the start. Each record has the exact energy (the
/// objective's own Evaluate, ε = 0 for the paper's energy), its terms and L2
/// fraction when f has evaluate_terms, ‖∇f‖, step norm, wall time, and extras
/// "assemble_seconds", "analyze_seconds", "factorize_seconds",
/// "solve_seconds", "factorizations", "matrix_nnz", "cg_iterations",
/// "cg_relative_residual" (PCG), "factor_nnz", "factor_mib" (CHOLMOD),
/// "bound_gap" (bound − f at x_{k−1}), "bound_decrease" (bound(x_{k−1}) −
/// bound(x_k)).
///
/// Edge term: SmoothingEnergy::Majorise refuses λ_e > 0 (with edge pixels)
/// with an ismooth::Error that names the fix (`--set lambda_e=0`); the
/// Gauss–Newton variant of docs/spec/energy.md §11 is not implemented.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "ismooth/majoriser.hpp"
#include "ismooth/solvers/cholmod_solver.hpp"
#include "ismooth/solvers/solve_common.hpp"
#include "ismooth/solvers/sparse_solver.hpp"

namespace ismooth {

/// Options of solve_irls. Stopping rules, checked after each iteration:
/// - a linear solve fails or the energy is not finite → failure (x keeps the
///   last good iterate);
/// - the callback asks to abort / stop → user_abort / user_success;
/// - |E_{k−1} − E_k| < function_tolerance·|E_{k−1}| → convergence, unless
///   a PCG solve of that iteration stopped at pcg_max_iterations (a stall,
///   not convergence: IRLS then goes on);
/// - max_iterations done → no_convergence.
struct IrlsOptions {
  int max_iterations = 10;
  double function_tolerance = 1e-4;
  enum class LinearSolver { automatic, cholmod, pcg };
  LinearSolver linear_solver = LinearSolver::automatic;
  /// Expansion floor δ (0–255 units) of non-smooth pair penalties: pairs
  /// with |d⁰| < δ are majorised at δ (see \file on monotonicity). Larger δ
  /// conditions the systems better but leaves a larger gap. (The CLI's
  /// `--epsilon` for irls; not the energy's smoothing ε.)
  double expansion_floor = 1e-2;
  /// Return the iterate of lowest exact energy rather than the last one
  /// (they differ only where IRLS raised the energy: the adaptive map, or
  /// a user's term whose Majorise is no true bound).
  bool keep_best = true;
  /// Allow per-channel matrices (exact IRLS weights, three factorisations
  /// per iteration); false = one shared matrix with the largest channel
  /// weight per pair: still a majoriser and one factorisation, but far slower
  /// progress (docs/solvers.md, "IRLS"), because a pair whose difference is
  /// small in one channel is then held in all three.
  bool per_channel_matrices = true;
  double pcg_tolerance = 1e-6;    ///< relative residual per solve
  int pcg_max_iterations = 1000;  ///< per right-hand side
  PcgPreconditioner pcg_preconditioner = PcgPreconditioner::jacobi;
  /// automatic: CHOLMOD when H·W ≤ this, else PCG (see \file for memory).
  std::size_t cholmod_max_pixels = 120000;
  /// Called with every record, iteration 0 included.
  IterationCallback callback;

  bool IsValid(std::string* error) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    if (max_iterations < 1)
      return bad("max_iterations must be >= 1, got " + std::to_string(max_iterations));
    if (!(std::isfinite(function_tolerance) && function_tolerance >= 0))
      return bad("function_tolerance must be finite and >= 0, got " +
                 std::to_string(function_tolerance));
    if (!(std::isfinite(expansion_floor) && expansion_floor > 0))
      return bad("expansion_floor must be finite and > 0, got " + std::to_string(expansion_floor));
    if (!(pcg_tolerance > 0 && pcg_tolerance < 1))
      return bad("pcg_tolerance must be in (0, 1), got " + std::to_string(pcg_tolerance));
    if (pcg_max_iterations < 1)
      return bad("pcg_max_iterations must be >= 1, got " + std::to_string(pcg_max_iterations));
    return true;
  }
};

inline const char* to_string(IrlsOptions::LinearSolver s) {
  switch (s) {
    case IrlsOptions::LinearSolver::automatic:
      return "automatic";
    case IrlsOptions::LinearSolver::cholmod:
      return "cholmod";
    case IrlsOptions::LinearSolver::pcg:
      return "pcg";
  }
  return "?";
}

/// The backend IRLS uses for `pixels` = H·W unknowns per channel.
inline IrlsOptions::LinearSolver choose_linear_solver(const IrlsOptions& options,
                                                      std::size_t pixels) {
  if (options.linear_solver != IrlsOptions::LinearSolver::automatic) return options.linear_solver;
  return pixels <= options.cholmod_max_pixels ? IrlsOptions::LinearSolver::cholmod
                                              : IrlsOptions::LinearSolver::pcg;
}

/// A linear solver of the given kind (not automatic) set up from the options.
inline std::unique_ptr<SparseSolver> make_sparse_solver(IrlsOptions::LinearSolver kind,
                                                        const IrlsOptions& options) {
  if (kind == IrlsOptions::LinearSolver::cholmod) return std::make_unique<CholmodSolver>();
  require(kind == IrlsOptions::LinearSolver::pcg, "make_sparse_solver: pick cholmod or pcg");
  return std::make_unique<PcgSolver>(
      PcgOptions{options.pcg_tolerance, options.pcg_max_iterations, options.pcg_preconditioner});
}

namespace detail {

/// FNV-1a over a matrix's pattern: analyse again only when it changes.
inline std::uint64_t pattern_signature(const SparseMatrixD& m) {
  std::uint64_t h = 1469598103934665603ull ^ std::uint64_t(m.rows());
  auto mix = [&](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (Eigen::Index j = 0; j <= m.outerSize(); ++j) mix(std::uint64_t(m.outerIndexPtr()[j]));
  const int* inner = m.innerIndexPtr();
  for (Eigen::Index k = 0; k < m.nonZeros(); ++k) mix(std::uint64_t(inner[k]));
  return h;
}

/// The lower-stored, compressed system matrix of channel c (A + channel_A[c]),
/// without a copy when q already has it in that form.
inline const SparseMatrixD& system_matrix(const QuadraticMajoriser& q, std::size_t c,
                                          SparseMatrixD& buffer) {
  const SparseMatrixD* m = &q.A;
  if (q.has_channel_matrices()) {
    if (q.A.nonZeros() == 0) {
      m = &q.channel_A[c];
    } else {
      buffer = q.A + q.channel_A[c];
      m = &buffer;
    }
  }
  if (!m->isCompressed() || !is_lower(*m)) {
    buffer = lower_triangle(*m);
    m = &buffer;
  }
  return *m;
}

}  // namespace detail

namespace detail {
template <class F, class X>
Summary solve_irls_checked(const IrlsOptions& options, const F& f, X& x);
}

/// Minimises f by IRLS from x (in: the start, out: the best iterate with
/// options.keep_best, else the last). f must provide Majorise
/// (majoriser.hpp) and be a DifferentiableObjective (for the records'
/// energies and gradient norms; check_objective's message otherwise). X: an
/// xtensor-like container of 3N values in planar channel layout
/// (Image<float/double>).
template <class F, class X>
Summary solve_irls(const IrlsOptions& options, const F& f, X& x) {
  if constexpr (!check_objective<F, X>()) {
    return {};
  } else {
    static_assert(Majorisable<F, X>,
                  "solve_irls: the objective has no `void Majorise(const X& x0, "
                  "QuadraticMajoriser& q) const` (majoriser.hpp); use Adam or L-BFGS, or write it");
    if constexpr (Majorisable<F, X>)
      return detail::solve_irls_checked(options, f, x);
    else
      return {};
  }
}

template <class F, class X>
Summary detail::solve_irls_checked(const IrlsOptions& options, const F& f, X& x) {
  detail::validate_options(options, "solve_irls");
  detail::check_start(x, "solve_irls");
  require(x.size() % kChannels == 0, "solve_irls: x has ", x.size(),
          " values, not a multiple of 3 channels");
  const detail::Stopwatch clock;
  Summary summary;
  summary.solver = "irls";
  X g;
  IterationRecord record = detail::evaluate_record(f, x, &g);
  record.step_norm = 0;
  record.seconds = clock.seconds();
  summary.initial_energy = summary.final_energy = record.energy;
  summary.iterations.push_back(record);
  X best;  // a copy of the best iterate once a later one is worse (keep_best)
  int best_iteration = 0;
  double best_energy = record.energy;
  auto finish = [&] {
    if (options.keep_best && best_iteration != summary.iterations.back().iteration) {
      std::copy(best.data(), best.data() + best.size(), x.data());
      summary.final_energy = best_energy;
      detail::set_returned_and_best(summary, best_iteration);
    } else {
      detail::set_returned_and_best(summary, summary.iterations.back().iteration);
    }
    summary.seconds = clock.seconds();
    return summary;
  };
  if (!std::isfinite(record.energy)) {
    summary.termination = TerminationType::failure;
    summary.message = "the energy at the initial point is not finite";
    return finish();
  }
  if (detail::callback_stops(detail::run_callback(options.callback, record, x), summary))
    return finish();

  QuadraticMajoriser q;
  q.expansion_floor = options.expansion_floor;
  q.per_channel = options.per_channel_matrices;
  std::unique_ptr<SparseSolver> solver;
  std::uint64_t analysed = 0;
  SparseMatrixD buffer;
  const std::size_t n = x.size() / kChannels;
  Eigen::MatrixXd rhs(Eigen::Index(n), 3), sol(Eigen::Index(n), 3);
  X next = x;
  double previous = record.energy;
  std::string backend;

  for (int k = 1; k <= options.max_iterations; ++k) {
    IterationRecord r;
    r.iteration = k;
    double t0 = clock.seconds();
    f.Majorise(x, q);
    check_majoriser(q, x.size(), "solve_irls");
    r.extras["assemble_seconds"] = clock.seconds() - t0;
    if (!solver) {
      const auto kind = choose_linear_solver(options, n);
      solver = make_sparse_solver(kind, options);
      backend = to_string(kind);
    }
    const double bound_before = evaluate_majoriser(q, x);
    for (std::size_t c = 0; c < kChannels; ++c)
      for (std::size_t i = 0; i < n; ++i) {
        rhs(Eigen::Index(i), Eigen::Index(c)) = q.b.data()[c * n + i];
        sol(Eigen::Index(i), Eigen::Index(c)) = double(x.data()[c * n + i]);
      }
    // Factorise once for three right-hand sides, or once per channel.
    const int systems = q.has_channel_matrices() ? 3 : 1;
    double analyze_s = 0, factorize_s = 0, solve_s = 0, cg_iterations = 0, cg_residual = 0;
    int unconverged = 0;
    bool failed = false;
    for (int s = 0; s < systems && !failed; ++s) {
      const SparseMatrixD& m = detail::system_matrix(q, std::size_t(s), buffer);
      r.extras["matrix_nnz"] = double(m.nonZeros());
      t0 = clock.seconds();
      const std::uint64_t signature = detail::pattern_signature(m);
      if (signature != analysed) {
        solver->analyzePattern(m);
        analysed = solver->info() == Eigen::Success ? signature : 0;
      }
      analyze_s += clock.seconds() - t0;
      if (solver->info() == Eigen::Success) {
        t0 = clock.seconds();
        solver->factorize(m);
        factorize_s += clock.seconds() - t0;
      }
      if (solver->info() == Eigen::Success) {
        t0 = clock.seconds();
        if (systems == 1) {
          solver->solve(rhs, sol);
        } else {
          Eigen::MatrixXd column = sol.col(s);
          solver->solve(Eigen::MatrixXd(rhs.col(s)), column);
          sol.col(s) = column;
        }
        solve_s += clock.seconds() - t0;
      }
      unconverged += solver->info() == Eigen::NoConvergence;
      failed = solver->info() != Eigen::Success &&
               !(solver->info() == Eigen::NoConvergence && sol.allFinite());
      for (const auto& [key, value] : solver->statistics()) {
        if (key == "cg_iterations")
          cg_iterations += value;
        else if (key == "cg_relative_residual")
          cg_residual = std::max(cg_residual, value);
        else if (key == "factor_nnz" || key == "factor_mib")
          r.extras[key] = value;
      }
      if (failed) {
        summary.termination = TerminationType::failure;
        summary.message = "iteration " + std::to_string(k) + ": the " + backend +
                          " linear solve failed: " + solver->message();
      }
    }
    if (failed) break;
    for (std::size_t c = 0; c < kChannels; ++c)
      for (std::size_t i = 0; i < n; ++i)
        next.data()[c * n + i] =
            static_cast<typename X::value_type>(sol(Eigen::Index(i), Eigen::Index(c)));

    IterationRecord e = detail::evaluate_record(f, next, &g);
    r.energy = e.energy;
    r.data = e.data;
    r.flatten = e.flatten;
    r.edge = e.edge;
    r.l2_fraction = e.l2_fraction;
    r.gradient_norm = e.gradient_norm;
    r.extras.merge(e.extras);  // a WeightedSum's "term:NAME" values
    r.energy_change = previous - r.energy;
    r.step_norm = detail::distance2(next, x);
    r.extras["analyze_seconds"] = analyze_s;
    r.extras["factorize_seconds"] = factorize_s;
    r.extras["solve_seconds"] = solve_s;
    r.extras["factorizations"] = systems;
    if (backend == "pcg") {
      r.extras["cg_iterations"] = cg_iterations;
      r.extras["cg_relative_residual"] = cg_residual;
      r.extras["cg_unconverged_solves"] = unconverged;
    }
    r.extras["bound_gap"] = bound_before - previous;
    r.extras["bound_decrease"] = bound_before - evaluate_majoriser(q, next);
    if (!std::isfinite(r.energy)) {
      summary.termination = TerminationType::failure;
      summary.message = "iteration " + std::to_string(k) + ": the energy is not finite";
      break;
    }
    // Keep the best so far before x moves on: copied only when the energy
    // rises, so a monotone run copies nothing.
    if (options.keep_best && r.energy > best_energy && best_iteration == k - 1) best = x;
    std::swap(x, next);
    if (!(r.energy > best_energy)) {
      best_energy = r.energy;
      best_iteration = k;
    }
    r.seconds = clock.seconds();
    summary.iterations.push_back(r);
    summary.final_energy = r.energy;
    if (detail::callback_stops(detail::run_callback(options.callback, r, x), summary)) break;
    const double change = std::abs(r.energy_change) / std::max(std::abs(previous), 1e-300);
    previous = r.energy;
    // A PCG solve stopped by its iteration limit makes a small step that is
    // no sign of convergence: go on (the next warm-started solve continues).
    if (change < options.function_tolerance && unconverged == 0) {
      summary.termination = TerminationType::convergence;
      summary.message = "relative energy change " + std::to_string(change) + " < " +
                        std::to_string(options.function_tolerance);
      break;
    }
    if (k == options.max_iterations) {
      summary.termination = TerminationType::no_convergence;
      summary.message = "reached max_iterations = " + std::to_string(k);
    }
  }
  summary.message += " (linear solver: " + (backend.empty() ? std::string("none") : backend) +
                     (q.has_channel_matrices() ? ", per-channel matrices)" : ", shared matrix)");
  return finish();
}

}  // namespace ismooth
