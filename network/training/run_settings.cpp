// A training run's identity and its model's metadata (run_settings.hpp).
#include "training/run_settings.hpp"

#include <algorithm>
#include <cstdio>

namespace ismooth::network {

std::string detail::number(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

int detail::batch_size(const TrainerOptions& o) {
  return o.batch > 0 ? o.batch : o.reducer != nullptr ? o.reducer->size() : 1;
}

std::int64_t detail::steps_per_epoch(const TrainerOptions& o, const ImageSet& train) {
  const std::int64_t n = batch_size(o);
  return o.steps_per_epoch > 0
             ? o.steps_per_epoch
             : std::max<std::int64_t>(1, (std::int64_t(train.size()) + n - 1) / n);
}

std::map<std::string, std::string> training_settings(const TrainerOptions& o, const ImageSet& train,
                                                     const ImageSet* val) {
  using detail::number;
  const std::int64_t spe = detail::steps_per_epoch(o, train);
  std::map<std::string, std::string> s;
  s["network"] = o.config.describe();
  s["init"] = o.initial ? "from " + o.initial_name
                        : std::string(o.init == InitScheme::he ? "he" : "uniform_code") +
                              (o.zero_output_layer ? ", output layer 0" : "");
  s["engine"] = to_string(o.engine.kind);
  // Another precision gives other weights after a step, so a resume must
  // keep it. Absent for fp32, as in checkpoints written before bf16.
  if (o.engine.precision != Precision::fp32) s["precision"] = to_string(o.engine.precision);
  s["seed"] = std::to_string(o.seed);
  s["crop"] = std::to_string(o.crop);
  s["flip"] = o.flip ? "1" : "0";
  s["steps_per_epoch"] = std::to_string(spe);
  // Another N is another sequence of updates. Absent for 1, as in
  // checkpoints written before batches; the number of ranks is not part of
  // the identity (the sum over ranks only reorders additions).
  if (detail::batch_size(o) != 1) s["batch"] = std::to_string(detail::batch_size(o));
  s["max_short_side"] = std::to_string(o.max_short_side);
  if (o.loss) {
    s["loss"] = o.loss_name;
  } else {
    s["preset"] = std::string(preset_name(o.preset));
    s["energy"] = pmap_name(o.pmap);
    s["energy_params"] = describe_energy_params(o.params);
  }
  if (o.schedule == LearningRateSchedule::cosine)
    s["lr_schedule"] = "cosine over " + std::to_string(std::int64_t(o.epochs) * spe) + " steps";
  s["adam"] = "lr=" + number(o.adam.learning_rate) + ",beta1=" + number(o.adam.beta1) +
              ",beta2=" + number(o.adam.beta2) + ",epsilon=" + number(o.adam.denominator_epsilon);
  s["train_images"] =
      std::to_string(train.size()) + " (fingerprint " + std::to_string(train.fingerprint()) + ")";
  s["val_images"] = val == nullptr ? "none"
                                   : std::to_string(val->size()) + " (fingerprint " +
                                         std::to_string(val->fingerprint()) + ")";
  s["val_crop"] = std::to_string(o.val_crop == 0 ? o.crop : o.val_crop);
  return s;
}

namespace detail {

std::string compare_settings(const Settings& saved, const Settings& now) {
  std::string diff;
  auto note = [&](const std::string& key, const std::string& a, const std::string& b) {
    diff += "\n  " + key + ": checkpoint " + a + ", now " + b;
  };
  for (const auto& [key, value] : saved) {
    const auto it = now.find(key);
    if (it == now.end())
      note(key, value, "(absent)");
    else if (it->second != value)
      note(key, value, it->second);
  }
  for (const auto& [key, value] : now)
    if (!saved.contains(key)) note(key, "(absent)", value);
  return diff;
}

Model trained_model(const TrainerOptions& o, const Settings& settings, const Parameters& parameters,
                    const Summary& summary, std::int64_t steps_per_epoch) {
  Model m;
  m.config = o.config;
  m.parameters = parameters;
  m.metadata = {{"trainer", "ismooth train"},
                {"epochs", std::to_string(o.epochs)},
                {"steps", std::to_string(summary.num_iterations())},
                {"steps_per_epoch", std::to_string(steps_per_epoch)},
                {"crop", std::to_string(o.crop)},
                {"seed", std::to_string(o.seed)},
                {"learning_rate", number(o.adam.learning_rate)},
                {"train_images", settings.at("train_images")}};
  if (const auto it = settings.find("precision"); it != settings.end())
    m.metadata["precision"] = it->second;
  if (o.loss) {
    m.metadata["loss"] = o.loss_name;
  } else {
    m.metadata["preset"] = std::string(preset_name(o.preset));
    m.metadata["energy"] = pmap_name(o.pmap);
    m.metadata["gradient"] = gradient_name(o.params.gradient);
    m.metadata["energy_params"] = describe_energy_params(o.params);
  }
  if (!summary.iterations.empty()) {
    const auto& extras = summary.iterations.back().extras;
    if (const auto it = extras.find("val_energy"); it != extras.end())
      m.metadata["val_energy"] = number(it->second);
  }
  return m;
}

}  // namespace detail

}  // namespace ismooth::network
