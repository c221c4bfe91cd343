// Means over runs (run_statistics.hpp).
#include "drivers/run_statistics.hpp"

#include <algorithm>
#include <cmath>

namespace ismooth::experiments {

double mean_energy_at(const std::vector<Summary>& runs, int k) {
  double sum = 0;
  for (const auto& r : runs)
    sum += r.iterations[std::min<std::size_t>(std::size_t(k), r.iterations.size() - 1)].energy;
  return runs.empty() ? std::nan("") : sum / double(runs.size());
}

double mean_final_energy(const std::vector<Summary>& runs) {
  double sum = 0;
  for (const auto& r : runs) sum += r.final_energy;
  return runs.empty() ? std::nan("") : sum / double(runs.size());
}

double mean_seconds(const std::vector<Summary>& runs) {
  double sum = 0;
  for (const auto& r : runs) sum += r.iterations.back().seconds;
  return runs.empty() ? std::nan("") : sum / double(runs.size());
}

int max_iterations(const std::vector<Summary>& runs) {
  int n = 0;
  for (const auto& r : runs) n = std::max(n, r.num_iterations());
  return n;
}

}  // namespace ismooth::experiments
