// The trainer's and over-fitting's options, their defaults and their start
// (trainer.hpp, overfit.hpp, initial_weights.hpp).
#include <algorithm>
#include <cmath>
#include <string>

#include "ismooth/network/trainer.hpp"
#include "training/initial_weights.hpp"

namespace ismooth::network {

EnergyParams default_training_params(Preset preset) {
  EnergyParams p = preset_params(preset);
  p.gradient = GradientMode::clipped;
  return p;
}

void zero_output_layer(Parameters& params, const NetworkConfig& config) {
  const LayerSpec last = describe_layers(config).back();
  for (const std::string& name : {last.weight_name(), last.bias_name()}) {
    NamedTensor& t = params.at(name);
    std::fill(t.values.begin(), t.values.end(), 0.0f);
  }
}

Parameters detail::initial_weights(const NetworkConfig& config,
                                   const std::optional<Parameters>& initial, InitScheme init,
                                   std::uint64_t seed, bool zero_output, std::string_view where) {
  if (initial) {
    check_parameters(config, *initial, (std::string(where) + ": initial parameters").c_str());
    return *initial;
  }
  Parameters params = initial_parameters(config, init, seed);
  if (zero_output) zero_output_layer(params, config);
  return params;
}

bool TrainerOptions::IsValid(std::string* error) const {
  std::string why;
  std::string sub;
  if (crop < 3)
    why = "crop must be >= 3 (the energy needs 3x3), got " + std::to_string(crop);
  else if (max_short_side < 0)
    why = "max_short_side must be >= 0 (0 = no downsampling)";
  else if (epochs < 0)
    why = "epochs must be >= 0, got " + std::to_string(epochs);
  else if (steps_per_epoch < 0)
    why = "steps_per_epoch must be >= 0 (0 = one per image)";
  else if (batch < 0)
    why = "batch must be >= 1 (0 = one crop per rank), got " + std::to_string(batch);
  else if (val_crop < -1 || (val_crop > 0 && val_crop < 3))
    why = "val_crop must be -1 (whole), 0 (= crop) or >= 3, got " + std::to_string(val_crop);
  else if (!config.IsValid(&sub))
    why = "network: " + sub;
  else if (!engine.IsValid(&sub))
    why = "engine: " + sub;
  else if (loss && loss_name.empty())
    why = "a custom loss needs a loss_name (it identifies the run in checkpoints)";
  else if (!loss && pmap == PMapKind::custom)
    why = "a custom p map cannot be used for training";
  else if (!loss && !params.IsValid(&sub))
    why = "energy parameters: " + sub;
  else if (!adam.IsValid(&sub))
    why = "Adam: " + sub;
  else if (!(checkpoint_seconds >= 0))
    why = "checkpoint_seconds must be >= 0";
  else if (checkpoint_steps < 0)
    why = "checkpoint_steps must be >= 0";
  else if (resume && checkpoint.empty())
    why = "resume needs a checkpoint path";
  if (error != nullptr) *error = why;
  return why.empty();
}

bool OverfitOptions::IsValid(std::string* error) const {
  std::string why, sub;
  if (!config.IsValid(&sub))
    why = "network: " + sub;
  else if (!engine.IsValid(&sub))
    why = "engine: " + sub;
  else if (!adam.IsValid(&sub))
    why = "Adam: " + sub;
  else if (max_iterations < 0)
    why = "max_iterations must be >= 0, got " + std::to_string(max_iterations);
  else if (!(std::isfinite(function_tolerance) && function_tolerance >= 0))
    why = "function_tolerance must be finite and >= 0";
  if (error != nullptr) *error = why;
  return why.empty();
}

}  // namespace ismooth::network
