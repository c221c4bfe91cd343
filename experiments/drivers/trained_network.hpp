#pragma once
// The CNNs the drivers train: their shape from the driver options, and the
// trained model cached under OUT/cache/networks (resumable through the
// trainer's checkpoint when a run was interrupted).

#include <cstdint>
#include <string>

#include "drivers/driver_options.hpp"
#include "drivers/progress.hpp"
#include "drivers/result_cache.hpp"
#include "ismooth/energy_params.hpp"
#include "ismooth/l2_mask.hpp"
#include "ismooth/network/model_file.hpp"
#include "ismooth/network/network_config.hpp"
#include "ismooth/network/training_data.hpp"

namespace ismooth::experiments {

/// What defines a trained network (cache key and trainer options).
struct NetworkSpec {
  network::NetworkConfig config;
  EnergyParams params;
  PMapKind pmap = PMapKind::adaptive;
  int crop = 224, epochs = 1;
  std::int64_t steps_per_epoch = 0;
  double lr = 0.01;
  std::uint64_t seed = 0;
  std::string label;  ///< file-name prefix, e.g. "cnn-l2"
};

/// The network of `spec` trained on `train`: loaded from OUT/cache/networks if
/// there, else trained (resuming a checkpoint left by an interrupted run).
network::Model trained_network(const DriverOptions& o, ResultCache& cache, const NetworkSpec& spec,
                               const network::ImageSet& train, Progress& progress,
                               std::string* id = nullptr);

/// The network defaults: quick width 8, 2 blocks; full width 32, 6 blocks.
network::NetworkConfig driver_network_config(const DriverOptions& o);
/// Spec with the driver's defaults for crop/epochs/steps (quick or full).
NetworkSpec default_network_spec(const DriverOptions& o, const network::ImageSet& train);

}  // namespace ismooth::experiments
