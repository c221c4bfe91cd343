#pragma once
/// \file
/// Checks a term's gradient against central finite differences, after
/// Ceres' GradientChecker: for every checked entry k,
///
///     numeric_k  = (f(x + h·e_k) − f(x − h·e_k)) / (2h)
///     error_k    = max(0, |analytic_k − numeric_k| − roundoff_k)
///                  / max(|analytic_k|, |numeric_k|, floor)
///     roundoff_k = 10·eps·max(|f(x ± h·e_k)|) / (2h)   (eps of X's scalar)
///     floor      = relative_floor · max_k |analytic_k|  (and > 0)
///
/// roundoff_k is what rounding f alone can put into the quotient: without
/// it, entries far smaller than f/h (a term whose value is large but whose
/// gradient somewhere is tiny) would fail on noise.
/// and the check passes when max_k error_k ≤ tolerance:
///
///     GradientCheckResult r = check_gradient(my_term, x);
///     if (!r.ok) std::puts(r.message.c_str());   // names the worst entry
///
/// Check in double (X = Image<double>): in float, rounding of f swamps the
/// difference quotient for gradients as small as the energy's 1/(3N)
/// normaliser makes them. The step is the one X can represent: h is
/// recomputed as ((x_k + h) − (x_k − h))/2 after rounding to X's scalar.
/// Cost: 2 evaluations per checked entry plus one gradient; max_entries
/// bounds it on large images. Kinks (|d|^p at d = 0, Huber at ±δ) give
/// honest mismatches there: check at a generic point.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <string>
#include <type_traits>

#include "ismooth/error.hpp"
#include "ismooth/objective.hpp"
#include "ismooth/objective_check.hpp"

namespace ismooth {

/// How check_gradient differentiates and judges (see \file).
struct GradientCheckOptions {
  /// Central-difference step h, in the units of x (grey levels for images).
  double step = 1e-3;
  /// Largest relative error accepted.
  double tolerance = 1e-5;
  /// Entries with |analytic| and |numeric| below relative_floor·max|analytic|
  /// are judged against that floor (their relative error is meaningless).
  double relative_floor = 1e-6;
  /// Check at most this many entries, evenly spread over x; 0 = all.
  std::size_t max_entries = 0;

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    if (!(std::isfinite(step) && step > 0))
      return bad("step must be finite and > 0, got " + std::to_string(step));
    if (!(std::isfinite(tolerance) && tolerance >= 0))
      return bad("tolerance must be finite and >= 0, got " + std::to_string(tolerance));
    if (!(std::isfinite(relative_floor) && relative_floor >= 0))
      return bad("relative_floor must be finite and >= 0, got " + std::to_string(relative_floor));
    return true;
  }
};

/// What check_gradient found.
struct GradientCheckResult {
  bool ok = false;                ///< max_relative_error ≤ tolerance (and all finite)
  double max_relative_error = 0;  ///< over the checked entries
  std::size_t worst_index = 0;    ///< flat index (x.data()[k]) of that entry
  double analytic = 0;            ///< the term's gradient there
  double numeric = 0;             ///< the finite difference there
  std::size_t checked = 0;        ///< entries compared
  std::string message;            ///< one line: the verdict and the worst entry
};

/// Compares ∇f(x) (the term's Gradient or EvaluateWithGradient, through the
/// concept's adapters) with central differences (see \file). Throws
/// ismooth::Error for invalid options or an empty x; a non-finite value or
/// gradient is reported as a failed check.
template <class F, class X>
GradientCheckResult check_gradient(const F& f, const X& x, const GradientCheckOptions& o = {}) {
  GradientCheckResult r;
  if constexpr (!check_objective<F, X>()) {
    return r;
  } else {
    std::string why;
    if (!o.IsValid(&why)) fail("check_gradient: invalid options: ", why);
    require(x.size() > 0, "check_gradient: x is empty");
    using V = std::remove_cvref_t<decltype(*x.data())>;
    X g(x);
    gradient(f, x, g);
    require(g.size() == x.size(), "check_gradient: the gradient has ", g.size(), " values, x has ",
            x.size());
    double largest = 0;
    for (std::size_t k = 0; k < g.size(); ++k)
      largest = std::max(largest, std::abs(double(g.data()[k])));
    const double floor = std::max(o.relative_floor * largest, 1e-300);
    const std::size_t n = x.size();
    const std::size_t count = o.max_entries == 0 ? n : std::min(n, o.max_entries);
    X probe(x);
    bool finite = true;
    for (std::size_t m = 0; m < count; ++m) {
      const std::size_t k = count == n ? m : m * n / count;
      const V original = x.data()[k];
      const V up = V(double(original) + o.step), down = V(double(original) - o.step);
      probe.data()[k] = up;
      const double f_up = evaluate(f, probe);
      probe.data()[k] = down;
      const double f_down = evaluate(f, probe);
      probe.data()[k] = original;
      const double numeric = (f_up - f_down) / (double(up) - double(down));
      const double analytic = double(g.data()[k]);
      const double roundoff = 10 * double(std::numeric_limits<V>::epsilon()) *
                              std::max(std::abs(f_up), std::abs(f_down)) /
                              (double(up) - double(down));
      const double error = std::max(0.0, std::abs(analytic - numeric) - roundoff) /
                           std::max({std::abs(analytic), std::abs(numeric), floor});
      ++r.checked;
      if (!std::isfinite(error)) finite = false;
      if (m == 0 || error > r.max_relative_error ||
          (std::isnan(error) && !std::isnan(r.max_relative_error))) {
        r.max_relative_error = error;
        r.worst_index = k;
        r.analytic = analytic;
        r.numeric = numeric;
      }
    }
    r.ok = finite && r.max_relative_error <= o.tolerance;
    char line[320];
    std::snprintf(
        line, sizeof line,
        "gradient check %s: %zu entries, max relative error %.3g (tolerance %.3g) at flat "
        "index %zu: analytic %.9g, finite difference %.9g",
        r.ok ? "passed" : "FAILED", r.checked, r.max_relative_error, o.tolerance, r.worst_index,
        r.analytic, r.numeric);
    r.message = line;
    return r;
  }
}

}  // namespace ismooth
