// What `ismooth train` and ismooth.train / ismooth.overfit share (train_run.hpp).
#include "cli/train_run.hpp"

#include <climits>
#include <cmath>

#include "cli/device_options.hpp"
#include "cli/network_shape.hpp"
#include "cli/output_paths.hpp"
#include "ismooth/network/checkpoint.hpp"
#include "ismooth/network/foreground_masks.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::cli {

namespace fs = std::filesystem;

void add_train_numbers(CLI::App& cmd, NumericFlags& n, TrainArgs& a) {
  n.add(cmd, "--epochs", a.epochs, {1, 1000000, ""}, "epochs (default 30)");
  n.add(cmd, "--crop", a.crop, {1, 65535, ""},
        "training crop size S (default 224); smaller sides whole");
  n.add(cmd, "--width", a.width, {1, 4096, ""}, "channels of the hidden layers (default 64)");
  n.add(cmd, "--blocks", a.blocks, {1, 64, ""},
        "residual blocks (default 10: dilations 2,2,4,4,8,8,16,16,1,1; K blocks: the first K-2 of "
        "these, then 1,1)");
  n.add_list(cmd, "--dilations", a.dilations, {1, 1024, ""},
             "explicit dilation per block, comma-separated (overrides --blocks)");
  n.add(cmd, "--seed", a.seed, {0, LLONG_MAX, ""},
        "seed of the weights, data order, crops and flips (0)");
  n.add(cmd, "--steps-per-epoch", a.steps_per_epoch,
        {0, 1000000000000, "0 = one per training image, the default"}, "updates per epoch");
  n.add(cmd, "--batch", a.batch, {1, 1000000, ""},
        "crops per update N: their gradients are averaged (default 1; under mpirun, the number "
        "of ranks, which must divide N). Recorded in the checkpoint: --resume needs the same N");
  n.add(cmd, "--lr", a.lr, {0, 1000, true, ""}, "Adam learning rate (default 0.01)");
  n.add(cmd, "--checkpoint-minutes", a.checkpoint_minutes, {0, 1e6, false, ""},
        "also checkpoint this often (default 5; each epoch end and interrupts always)");
  n.add(cmd, "--stop-after", a.stop_after, {0, 1e7, false, "0 = after the first step"},
        "stop after this many minutes of this process, writing the checkpoint and the model of "
        "the current weights; --resume continues the run");
  n.add(cmd, "--max-side", a.max_side, {1, 65535, ""},
        "downsample photos at load so the short side is at most this (default 512)");
  n.add(cmd, "--val-crop", a.val_crop, {-1, 65535, "-1 = whole images, 0 = --crop"},
        "validation crop: centred VxV (default: --crop)");
  n.add(cmd, "--iterations", a.iterations, {1, 10000000, ""},
        "--overfit: Adam iterations (default 500)");
}

EnergySelection select_training_energy(const TrainArgs& a, Spelling spelling) {
  EnergyRules rules;
  rules.defaults = network::default_training_params;
  rules.finish = [&](EnergyParams& params) {
    if (!a.gradient.empty()) set_parameter(params, "gradient", a.gradient, spelling);
  };
  const EnergySelection e =
      ismooth::select_energy(a.energy.preset, a.energy.energy, a.energy.sets, rules, spelling);
  require(a.init == "uniform" || a.init == "he", option_name("init", spelling), " ", a.init,
          ": expected uniform or he");
  return e;
}

namespace {

network::NetworkConfig make_config(const TrainArgs& a, Spelling spelling) {
  network::NetworkConfig c;
  c.width = a.width;
  if (!a.dilations.empty()) {
    require(!a.blocks_given || a.blocks == int(a.dilations.size()), option_name("blocks", spelling),
            " ", a.blocks, " disagrees with the ", a.dilations.size(), " values of ",
            option_name("dilations", spelling));
    c.dilations = a.dilations;
  } else {
    c.dilations = paper_dilations(a.blocks);
  }
  c.blocks = int(c.dilations.size());
  c.validate(spelling == Spelling::flag ? "ismooth train" : "ismooth.train");
  return c;
}

network::LearningRateSchedule parse_schedule(const std::string& name, Spelling spelling) {
  if (name == "constant") return network::LearningRateSchedule::constant;
  if (name == "cosine") return network::LearningRateSchedule::cosine;
  fail(option_name("lr_schedule", spelling), " ", name, ": expected constant or cosine");
}

/// The weights of --init-from (checked against this run's network), if given.
std::optional<network::Parameters> initial_weights(const TrainArgs& a,
                                                   const network::NetworkConfig& config,
                                                   Spelling spelling) {
  if (a.init_from.empty()) return std::nullopt;
  network::Model start = network::load_model(a.init_from);
  const auto name = [spelling](const char* key) { return option_name(key, spelling); };
  require(start.config.describe() == config.describe(), name("init_from"), " ", a.init_from,
          ": its network is ", start.config.describe(), ", this run's is ", config.describe(),
          " (pass the same ", name("width"), "/", name("blocks"), "/", name("dilations"), ")");
  return std::move(start.parameters);
}

/// What training and over-fitting set alike: network, start, engine.
template <class Options>
void set_network_options(Options& o, const TrainArgs& a, Spelling spelling) {
  o.config = make_config(a, spelling);
  o.init = a.init == "he" ? network::InitScheme::he : network::InitScheme::uniform_code;
  o.seed = a.seed;
  o.zero_output_layer = !a.random_output_layer;
  o.initial = initial_weights(a, o.config, spelling);
  o.engine = engine_for_device(a.device, spelling);
  apply_precision(o.engine, a.precision, spelling);
  o.adam.learning_rate = a.lr;
  o.schedule = parse_schedule(a.schedule, spelling);
}

}  // namespace

network::TrainerOptions training_options(const TrainArgs& a, const EnergySelection& e,
                                         Spelling spelling) {
  const auto name = [spelling](const char* key) { return option_name(key, spelling); };
  require(!a.out.empty(), "no output model given (", name("out"), ")");
  network::TrainerOptions o;
  o.checkpoint = a.checkpoint.empty() ? a.out + ".ckpt" : a.checkpoint;
  // Fail before the long part, not at the first epoch's end.
  check_outputs({{name("out"), a.out},
                 {a.checkpoint.empty() ? "the checkpoint" : name("checkpoint"), o.checkpoint},
                 {name("log"), a.log}},
                {{name("data"), a.data}, {name("val"), a.val}, {name("init_from"), a.init_from}});
  o.max_short_side = a.max_side;
  o.crop = a.crop;
  o.flip = !a.no_flip;
  o.epochs = a.epochs;
  o.steps_per_epoch = a.steps_per_epoch;
  o.batch = a.batch;
  o.val_crop = a.val_crop;
  set_network_options(o, a, spelling);
  o.initial_name = a.init_from;
  o.preset = e.preset;
  o.params = e.params;
  o.pmap = e.pmap;
  o.resume = a.resume;
  o.checkpoint_seconds = a.checkpoint_minutes * 60;
  o.model_out = a.out;
  std::string why;
  if (!o.IsValid(&why)) fail(why);
  require(!a.resume || fs::exists(o.checkpoint), name("resume"), ": no checkpoint at '",
          o.checkpoint.string(), "'");
  return o;
}

TrainingLength training_length(const TrainArgs& a, std::size_t images, int batch) {
  TrainingLength n;
  n.steps_per_epoch = a.steps_per_epoch > 0
                          ? a.steps_per_epoch
                          : std::max<std::int64_t>(1, (std::int64_t(images) + batch - 1) / batch);
  n.total = std::int64_t(a.epochs) * n.steps_per_epoch;
  return n;
}

// ---------------------------------------------------------------- masks

TrainingMasks::TrainingMasks(const TrainArgs& a, Preset preset, Spelling spelling)
    : needed_(preset_needs_foreground(preset)) {
  const std::string name = option_name("masks", spelling);
  require(needed_ || a.masks.empty(), name, " is for ", option_name("preset", spelling),
          " background or foreground, not ", preset_name(preset));
  automatic_ = needed_ && (a.masks.empty() || a.masks == "auto");
  cache_ = a.out + ".masks";
  if (automatic_) check_folder_writable("the mask cache", cache_);
  if (needed_ && !automatic_) {
    require(fs::is_directory(a.masks), name, " '", a.masks,
            "' is not a folder (give a folder of masks, or auto)");
    folder_ = a.masks;
  }
}

std::string TrainingMasks::attach(network::ImageSet& set, const std::string& which) const {
  if (automatic_) {
    const network::DetectedMasks m = network::detect_foreground_masks(set, cache_ / which);
    return which + ": foreground masks: " + std::to_string(m.detected) + " detected, " +
           std::to_string(m.cached) + " from the cache " + (cache_ / which).string();
  }
  if (needed_) network::load_foreground_masks(set, folder_);
  return "";
}

// ---------------------------------------------------------------- log

namespace {

constexpr int kLogPrecision = 10;  // significant digits: a long run's log stays small

void write_csv(const std::string& path, const Summary& s, const std::vector<std::string>& extras) {
  SummaryCsvOptions options;
  options.precision = kLogPrecision;
  options.extras = extras;
  write_summary_csv(path, s, options);
}

}  // namespace

const std::vector<std::string>& training_log_extras() {
  static const std::vector<std::string> extras = {
      "epoch",          "image",           "learning_rate",   "images_per_second",
      "eta_seconds",    "val_energy",      "val_data",        "val_flatten",
      "val_edge",       "val_l2_fraction", "network_seconds", "energy_seconds",
      "update_seconds", "prepare_seconds", "wait_seconds",    "reduce_seconds"};
  return extras;
}

const std::vector<std::string>& overfit_log_extras() {
  static const std::vector<std::string> extras = {"learning_rate", "parameter_step"};
  return extras;
}

TrainingLog::TrainingLog(const std::string& path, const std::vector<std::string>& extras,
                         const std::vector<IterationRecord>* resumed)
    : path_(path), extras_(&extras) {
  if (path.empty()) return;
  if (resumed) {
    Summary s;
    s.iterations = *resumed;
    write_csv(path, s, extras);
  }
  out_.open(path, resumed ? std::ios::app : std::ios::trunc);
  require(bool(out_), "cannot open the log '", path, "'");
  if (!resumed) out_ << record_csv_header(extras);
}

TrainingLog TrainingLog::for_training(const TrainArgs& a, const network::TrainerOptions& o) {
  std::optional<network::TrainingCheckpoint> resumed;
  if (a.resume && !a.log.empty()) resumed = network::load_checkpoint(o.checkpoint);
  return TrainingLog(a.log, training_log_extras(), resumed ? &resumed->records : nullptr);
}

void TrainingLog::add(const IterationRecord& r) {
  if (!out_.is_open()) return;
  out_ << record_csv_row(r, *extras_, kLogPrecision) << '\n';
  out_.flush();
}

void TrainingLog::finish(const Summary& s) {
  if (path_.empty()) return;
  out_.close();
  write_csv(path_, s, *extras_);
}

bool StopClock::due(const IterationRecord& r) {
  if (minutes_ < 0 || r.iteration >= total_) return false;
  stopped_ = std::chrono::duration<double>(Clock::now() - started_).count() >= 60 * minutes_;
  return stopped_;
}

// ---------------------------------------------------------------- over-fitting

network::OverfitOptions overfit_options(const TrainArgs& a, Spelling spelling) {
  const auto name = [spelling](const char* key) { return option_name(key, spelling); };
  require(a.data.empty() && a.val.empty() && !a.resume && a.checkpoint.empty() &&
              a.stop_after < 0 && a.masks.empty(),
          name("overfit"), " trains on one image and keeps no checkpoint: ", name("data"), ", ",
          name("val"), ", ", name("resume"), ", ", name("checkpoint"), ", ", name("stop_after"),
          " and ", name("masks"), " do not apply");
  check_outputs(
      {{name("out"), a.out}, {name("log"), a.log}, {name("output_image"), a.output_image}},
      {{name("overfit"), a.overfit},
       {name("init_from"), a.init_from},
       {name("mask"), a.energy.mask},
       {name("edges"), a.energy.edges}});
  network::OverfitOptions o;
  set_network_options(o, a, spelling);
  o.max_iterations = a.iterations;
  std::string why;
  if (!o.IsValid(&why)) fail(why);
  return o;
}

SmoothingEnergy<float> overfit_energy(const Image<float>& input, const EnergySelection& e,
                                      const PresetInputs& inputs, Spelling spelling,
                                      double* identity) {
  require_mask_applies(inputs.foreground.has_value(), e.preset, option_name("mask", spelling));
  SmoothingEnergy<float> energy = make_energy(input, e.preset, e.params, inputs, PMap{e.pmap});
  *identity = energy.Evaluate(input);
  require(std::isfinite(*identity), "over-fitting: the energy of the image itself is ",
          csv_number(*identity, 6), ", not finite (an extreme ", parameters_name(spelling),
          " value?)");
  return energy;
}

void save_overfit_model(const TrainArgs& a, const network::OverfitOptions& o,
                        const EnergySelection& e, const network::Parameters& weights,
                        const Summary& s, const std::string& image_name) {
  if (a.out.empty()) return;
  network::save_model(
      a.out, network::Model{o.config,
                            weights,
                            {{"trainer", "ismooth train --overfit"},
                             {"image", image_name},
                             {"preset", a.energy.preset},
                             {"energy", a.energy.energy},
                             {"iterations", std::to_string(s.num_iterations())},
                             {"energy_params", network::describe_energy_params(e.params)}}});
}

}  // namespace ismooth::cli
