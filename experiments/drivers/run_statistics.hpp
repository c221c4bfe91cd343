#pragma once
// Means over the runs of one solver on several images, for the drivers'
// summary tables.

#include <vector>

#include "ismooth/summary.hpp"

namespace ismooth::experiments {

/// Mean over runs of the energy after k iterations, runs that stopped earlier
/// held at their final energy (they stay there).
double mean_energy_at(const std::vector<Summary>& runs, int k);
double mean_final_energy(const std::vector<Summary>& runs);
double mean_seconds(const std::vector<Summary>& runs);
int max_iterations(const std::vector<Summary>& runs);

}  // namespace ismooth::experiments
