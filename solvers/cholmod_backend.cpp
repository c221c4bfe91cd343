// CHOLMOD backend of the IRLS linear solver (cholmod_solver.hpp). The only
// translation unit that sees CHOLMOD's headers.
#include <cholmod.h>

#include <chrono>
#include <cstring>
#include <string>

#include "ismooth/solvers/cholmod_solver.hpp"

namespace ismooth {
namespace {

// CHOLMOD's error handler has no user pointer; the message of the last error
// raised in this thread is kept here and read right after each call.
thread_local std::string last_cholmod_error;

void record_error(int status, const char* file, int line, const char* message) {
  last_cholmod_error = std::string(message ? message : "?") + " (CHOLMOD status " +
                       std::to_string(status) + ", " + (file ? file : "?") + ":" +
                       std::to_string(line) + ")";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// A CHOLMOD view of an Eigen lower-triangle CSC matrix: no copy.
cholmod_sparse view(const SparseMatrixD& m) {
  cholmod_sparse a;
  std::memset(&a, 0, sizeof a);
  a.nrow = std::size_t(m.rows());
  a.ncol = std::size_t(m.cols());
  a.nzmax = std::size_t(m.nonZeros());
  a.p = const_cast<int*>(m.outerIndexPtr());
  a.i = const_cast<int*>(m.innerIndexPtr());
  a.x = const_cast<double*>(m.valuePtr());
  a.stype = -1;  // symmetric, lower triangle stored
  a.itype = CHOLMOD_INT;
  a.xtype = CHOLMOD_REAL;
  a.dtype = CHOLMOD_DOUBLE;
  a.sorted = 1;
  a.packed = 1;
  return a;
}

}  // namespace

struct CholmodSolver::Impl {
  Options options;
  cholmod_common common;
  cholmod_factor* factor = nullptr;
  Eigen::Index n = 0;
  std::size_t pattern_nnz = 0;
  bool factorized = false;
  Eigen::ComputationInfo info = Eigen::Success;
  std::string message;
  std::map<std::string, double> stats;

  explicit Impl(Options o) : options(o) {
    cholmod_start(&common);
    common.print = 0;
    common.error_handler = record_error;
    common.supernodal = options.supernodal ? CHOLMOD_SUPERNODAL : CHOLMOD_SIMPLICIAL;
    // Keep the factor as LLᵀ so factorize may be repeated on it.
    common.final_ll = 1;
    using O = Options::Ordering;
    if (options.ordering != O::automatic) {
      common.nmethods = 1;
      common.method[0].ordering = options.ordering == O::amd     ? CHOLMOD_AMD
                                  : options.ordering == O::metis ? CHOLMOD_METIS
                                                                 : CHOLMOD_NESDIS;
      common.postorder = 1;
    }
  }
  ~Impl() {
    if (factor) cholmod_free_factor(&factor, &common);
    cholmod_finish(&common);
  }

  void fail_with(Eigen::ComputationInfo what, const std::string& why) {
    info = what;
    message = why;
  }
  bool check_status(const char* step) {
    if (common.status == CHOLMOD_OK) return true;
    if (common.status == CHOLMOD_NOT_POSDEF) {
      fail_with(Eigen::NumericalIssue,
                std::string("CHOLMOD ") + step + ": the matrix is not positive definite "
                "(leading minor of order " + std::to_string(factor ? factor->minor + 1 : 0) +
                ")");
    } else if (common.status == CHOLMOD_OUT_OF_MEMORY || common.status == CHOLMOD_TOO_LARGE) {
      fail_with(Eigen::NumericalIssue, std::string("CHOLMOD ") + step +
                                           ": out of memory or problem too large: " +
                                           last_cholmod_error);
    } else if (common.status < 0) {
      fail_with(Eigen::InvalidInput, std::string("CHOLMOD ") + step + ": " + last_cholmod_error);
    } else {
      return true;  // warnings (e.g. CHOLMOD_DSMALL) are not failures
    }
    return false;
  }
};

CholmodSolver::CholmodSolver(Options options) : impl_(std::make_unique<Impl>(options)) {}
CholmodSolver::CholmodSolver() : CholmodSolver(Options{}) {}
CholmodSolver::~CholmodSolver() = default;

void CholmodSolver::analyzePattern(const SparseMatrixD& lower) {
  Impl& s = *impl_;
  s.info = Eigen::Success;
  s.message.clear();
  s.stats.clear();
  s.factorized = false;
  if (s.factor) cholmod_free_factor(&s.factor, &s.common);
  if (!lower.isCompressed() || lower.rows() != lower.cols())
    return s.fail_with(Eigen::InvalidInput,
                       "CholmodSolver::analyzePattern: the matrix must be square and compressed");
  cholmod_sparse a = view(lower);
  last_cholmod_error.clear();
  const auto t0 = std::chrono::steady_clock::now();
  s.factor = cholmod_analyze(&a, &s.common);
  s.stats["analyze_seconds"] = seconds_since(t0);
  if (!s.factor || !s.check_status("analyze")) {
    if (s.info == Eigen::Success) s.fail_with(Eigen::InvalidInput, "CHOLMOD analyze failed: " + last_cholmod_error);
    return;
  }
  s.n = lower.rows();
  s.pattern_nnz = std::size_t(lower.nonZeros());
  s.stats["factor_nnz"] = s.common.lnz;
  s.stats["factor_flops"] = s.common.fl;
  // Supernodal L stores dense blocks: its value array (xsize) is what counts.
  const double entries = s.factor->is_super ? double(s.factor->xsize) : s.common.lnz;
  s.stats["factor_mib"] = entries * 8.0 / (1024.0 * 1024.0);
  s.stats["ordering"] = double(s.common.method[s.common.selected].ordering);
}

void CholmodSolver::factorize(const SparseMatrixD& lower) {
  Impl& s = *impl_;
  s.info = Eigen::Success;
  s.message.clear();
  s.factorized = false;
  if (!s.factor || lower.rows() != s.n || std::size_t(lower.nonZeros()) != s.pattern_nnz)
    return s.fail_with(Eigen::InvalidInput,
                       "CholmodSolver::factorize: call analyzePattern with this pattern first");
  cholmod_sparse a = view(lower);
  last_cholmod_error.clear();
  const auto t0 = std::chrono::steady_clock::now();
  cholmod_factorize(&a, s.factor, &s.common);
  s.stats["factorize_seconds"] = seconds_since(t0);
  if (!s.check_status("factorize")) return;
  if (s.factor->minor < s.factor->n)
    return s.fail_with(Eigen::NumericalIssue,
                       "CHOLMOD factorize: the matrix is not positive definite (leading minor "
                       "of order " + std::to_string(s.factor->minor + 1) + ")");
  s.factorized = true;
}

void CholmodSolver::solve(const Eigen::MatrixXd& b, Eigen::MatrixXd& x) {
  Impl& s = *impl_;
  s.info = Eigen::Success;
  s.message.clear();
  if (!s.factorized)
    return s.fail_with(Eigen::InvalidInput, "CholmodSolver::solve before a successful factorize");
  if (b.rows() != s.n)
    return s.fail_with(Eigen::InvalidInput, "CholmodSolver::solve: right-hand side has " +
                                                std::to_string(b.rows()) + " rows, expected " +
                                                std::to_string(s.n));
  cholmod_dense rhs;
  std::memset(&rhs, 0, sizeof rhs);
  rhs.nrow = std::size_t(b.rows());
  rhs.ncol = std::size_t(b.cols());
  rhs.nzmax = rhs.nrow * rhs.ncol;
  rhs.d = rhs.nrow;
  rhs.x = const_cast<double*>(b.data());
  rhs.xtype = CHOLMOD_REAL;
  rhs.dtype = CHOLMOD_DOUBLE;
  last_cholmod_error.clear();
  const auto t0 = std::chrono::steady_clock::now();
  cholmod_dense* sol = cholmod_solve(CHOLMOD_A, s.factor, &rhs, &s.common);
  s.stats["solve_seconds"] = seconds_since(t0);
  if (!sol || !s.check_status("solve")) {
    if (sol) cholmod_free_dense(&sol, &s.common);
    if (s.info == Eigen::Success) s.fail_with(Eigen::NumericalIssue, "CHOLMOD solve failed: " + last_cholmod_error);
    return;
  }
  x.resize(b.rows(), b.cols());
  std::memcpy(x.data(), sol->x, sizeof(double) * std::size_t(b.size()));
  cholmod_free_dense(&sol, &s.common);
}

Eigen::ComputationInfo CholmodSolver::info() const { return impl_->info; }
std::string CholmodSolver::message() const { return impl_->message; }
std::map<std::string, double> CholmodSolver::statistics() const {
  auto stats = impl_->stats;
  stats["cholmod_peak_mib"] = double(impl_->common.memory_usage) / (1024.0 * 1024.0);
  return stats;
}

}  // namespace ismooth
