#pragma once
/// \file
/// The energy of a smoothing as reported to a user: the numbers, under the
/// keys `ismooth energy --json` prints and the Python module's
/// `ismooth.energy` returns, and the rule that a non-finite energy is an
/// error, not a result.

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "ismooth/energy_params.hpp"
#include "ismooth/error.hpp"
#include "ismooth/smoothing_energy.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth {

/// Throws ismooth::Error unless every term of `t` is finite (e.g.
/// sigma_r = 1e-300 overflows the range kernel: an error, not a "nan" result).
inline void require_finite_energy(const EnergyTerms& t) {
  require(std::isfinite(t.data) && std::isfinite(t.flatten) && std::isfinite(t.edge) &&
              std::isfinite(t.total) && std::isfinite(t.l2_fraction),
          "the energy is not finite (data ", csv_number(t.data, 6), ", flatten ",
          csv_number(t.flatten, 6), ", edge ", csv_number(t.edge, 6), ", total ",
          csv_number(t.total, 6),
          "): the parameters are outside what double precision can "
          "evaluate (an extreme parameter value?)");
}

/// The numbers of an energy report, in order: `data`, `flatten`, `edge`
/// (each unweighted, 0–255 scale), `total`, `edge_pixels` (N_e, an integer),
/// `l2_fraction`, and the weights `lambda_f`, `lambda_e` of `p`.
inline std::vector<std::pair<std::string, double>> energy_report(const EnergyTerms& t,
                                                                 const EnergyParams& p) {
  return {{"data", t.data},
          {"flatten", t.flatten},
          {"edge", t.edge},
          {"total", t.total},
          {"edge_pixels", double(t.edge_pixels)},
          {"l2_fraction", t.l2_fraction},
          {"lambda_f", p.lambda_f},
          {"lambda_e", p.lambda_e}};
}

}  // namespace ismooth
