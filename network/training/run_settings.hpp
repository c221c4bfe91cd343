#pragma once
// Internal to ismooth::network: a training run's identity — the settings a
// checkpoint records and a resume compares (training_settings, trainer.hpp)
// — and the metadata of the model it writes.

#include <cstdint>
#include <map>
#include <string>

#include "ismooth/network/trainer.hpp"

namespace ismooth::network::detail {

using Settings = std::map<std::string, std::string>;

/// "\n  key: checkpoint A, now B" for every key that differs; empty if none.
std::string compare_settings(const Settings& saved, const Settings& now);

/// The model of θ = `parameters` after `steps` updates, with the run's
/// metadata (preset and energy, or the loss's name; schedule of the data;
/// the last record's validation energy if it has one).
Model trained_model(const TrainerOptions& options, const Settings& settings,
                    const Parameters& parameters, const Summary& summary,
                    std::int64_t steps_per_epoch);

/// N, crops per update: options.batch, or one per rank.
int batch_size(const TrainerOptions& options);

/// Updates per epoch: options.steps_per_epoch, or one pass over the training
/// images (rounded up to whole batches).
std::int64_t steps_per_epoch(const TrainerOptions& options, const ImageSet& train);

/// "%.17g".
std::string number(double v);

}  // namespace ismooth::network::detail
