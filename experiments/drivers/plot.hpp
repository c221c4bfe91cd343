#pragma once
// The figures of the drivers: experiments/scripts/plot_experiments.py run
// on a driver's CSVs, where Debian's python3 with matplotlib is installed.

#include <filesystem>
#include <string>

#include "drivers/driver_options.hpp"

namespace ismooth::experiments {

/// Runs /usr/bin/python3 experiments/scripts/plot_experiments.py SUB OUT; where
/// python3 or matplotlib is missing prints a warning and returns false.
bool plot(const DriverOptions& o, const std::string& sub, const fs::path& dir);

}  // namespace ismooth::experiments
