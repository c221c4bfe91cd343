#pragma once
// Internal to ismooth::network: a loss's reported terms into a record, as
// training and over-fitting both record them (summary.hpp's fields), and
// their sums over crops (and ranks) kept as plain doubles for a reduction.

#include "ismooth/smoothing_energy.hpp"
#include "ismooth/summary.hpp"

namespace ismooth::network::detail {

inline void record_terms(IterationRecord& r, const EnergyTerms& t) {
  r.energy = t.total;
  r.data = t.data;
  r.flatten = t.flatten;
  r.edge = t.edge;
  r.l2_fraction = t.l2_fraction;
}

/// The five terms as an array (total, data, flatten, edge, l2_fraction),
/// added to `sums`: what a sum over ranks reduces.
inline void add_terms(double* sums, const EnergyTerms& t) {
  const double x[5] = {t.total, t.data, t.flatten, t.edge, t.l2_fraction};
  for (int k = 0; k < 5; ++k) sums[k] += x[k];
}

/// The mean of `count` terms from their add_terms sums.
inline EnergyTerms mean_terms(const double* sums, double count) {
  EnergyTerms t;
  t.total = sums[0] / count;
  t.data = sums[1] / count;
  t.flatten = sums[2] / count;
  t.edge = sums[3] / count;
  t.l2_fraction = sums[4] / count;
  return t;
}

}  // namespace ismooth::network::detail
