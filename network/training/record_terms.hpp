#pragma once
// Internal to ismooth::network: a loss's reported terms into a record, as
// training and over-fitting both record them (summary.hpp's fields).

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

}  // namespace ismooth::network::detail
