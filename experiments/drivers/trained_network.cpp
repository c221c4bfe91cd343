// The drivers' trained networks (trained_network.hpp).
#include "drivers/trained_network.hpp"

#include <chrono>
#include <cstdio>

#include "cli/device_options.hpp"
#include "cli/interrupt.hpp"
#include "cli/network_shape.hpp"
#include "drivers/summary_files.hpp"
#include "ismooth/network/trainer.hpp"

namespace ismooth::experiments {

network::NetworkConfig driver_network_config(const DriverOptions& o) {
  const int width = o.width > 0 ? o.width : (o.quick ? 8 : 32);
  const int blocks = o.blocks > 0 ? o.blocks : (o.quick ? 2 : 6);
  // The paper's dilation pattern cut to `blocks` (as `ismooth train --blocks`).
  network::NetworkConfig c = network::NetworkConfig::tiny(width, cli::paper_dilations(blocks));
  c.validate("ismooth experiment");
  return c;
}

NetworkSpec default_network_spec(const DriverOptions& o, const network::ImageSet& train) {
  NetworkSpec s;
  s.config = driver_network_config(o);
  s.crop = o.crop > 0 ? o.crop : (o.quick ? 48 : kFullCrop);
  s.epochs = o.epochs > 0 ? o.epochs : (o.quick ? 1 : 4);
  s.steps_per_epoch = o.steps_per_epoch >= 0 ? o.steps_per_epoch
                      : o.quick              ? 40
                                             : std::int64_t(train.size());
  s.lr = o.lr;
  return s;
}

network::Model trained_network(const DriverOptions& o, ResultCache& cache, const NetworkSpec& spec,
                               const network::ImageSet& train, Progress& progress,
                               std::string* id) {
  network::TrainerOptions t;
  // The load scale of the training photos (load_training_images), recorded
  // in the settings the cache key and the checkpoint compare.
  t.max_short_side =
      o.train_images.empty() ? 64 : (o.train_max_side > 0 ? o.train_max_side : kFullTrainShortSide);
  t.crop = spec.crop;
  t.epochs = spec.epochs;
  t.steps_per_epoch = spec.steps_per_epoch;
  t.seed = spec.seed;
  t.config = spec.config;
  t.preset = Preset::smoothing;
  t.params = spec.params;
  t.params.gradient = o.gradient == "exact" ? GradientMode::exact : GradientMode::clipped;
  t.pmap = spec.pmap;
  t.adam.learning_rate = spec.lr;
  t.engine = cli::engine_for_device(o.device);
  Settings s;
  for (const auto& [k, v] : network::training_settings(t, train, nullptr)) s.add(k, v);
  // Engines differ in rounding (TF32 on CUDA): their networks are kept apart.
  // The CPU adds nothing, so the keys of earlier CPU runs stay valid.
  if (o.device != "cpu") s.add("device", o.device);
  s.add("epochs", std::to_string(spec.epochs));  // not among the resumable settings
  const fs::path model_path = cache.path(spec.label, s, ".model");
  if (id) *id = model_path.filename().string();
  if (cache.lookup(model_path)) {
    progress.item("network " + spec.label + " " + model_path.filename().string(), true);
    return network::load_model(model_path);
  }
  t.checkpoint = model_path.string() + ".ckpt";
  t.resume = fs::exists(t.checkpoint);
  t.model_out = model_path;
  t.interrupt = cli::interrupt_flag();
  t.checkpoint_seconds = 120;
  const std::int64_t total = std::int64_t(spec.epochs) * spec.steps_per_epoch;
  progress.note("training " + spec.label + " (" + spec.config.describe() + ", " +
                std::to_string(total) + " steps of " + std::to_string(spec.crop) + "² crops" +
                (t.resume ? ", resuming the checkpoint" : "") + ")");
  auto last = std::chrono::steady_clock::now();
  t.callback = [&](const IterationRecord& r) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last).count() > 10 || r.iteration == total) {
      std::fprintf(stderr, "  %s step %d/%lld  E %.6g  %.1f s\n", spec.label.c_str(), r.iteration,
                   static_cast<long long>(total), r.energy, r.seconds);
      last = now;
    }
    return CallbackReturn::continue_solving;
  };
  const auto t0 = std::chrono::steady_clock::now();
  network::Model model;
  const Summary sum = network::train_network(t, train, nullptr, &model);
  if (sum.termination == TerminationType::user_abort && cli::interrupted())
    throw cli::Interrupted{};
  require(sum.termination != TerminationType::failure, "training ", spec.label,
          " failed: ", sum.message);
  write_summary_csv(model_path.string() + ".log.csv", sum, cached_summary_csv());
  std::error_code ec;
  fs::remove(t.checkpoint, ec);
  cache.computed();
  progress.item("network " + spec.label, false,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return model;
}

}  // namespace ismooth::experiments
