// ismooth train --data DIR --out MODEL [--val DIR] [--preset NAME] [--masks DIR|auto]
//               [--set key=value]...
//               [--energy adaptive|l2|l08|half] [--epochs N] [--crop S] [--width C]
//               [--blocks K] [--gradient exact|clipped] [--resume] [--seed N]
//               [--precision fp32|bf16] ...
// ismooth train --overfit IMAGE [--iterations N] [--output-image T.png] [--out MODEL] ...
//
// Trains the smoothing network with the energy as its loss (trainer.hpp), or
// over-fits it to one image (the paper's "CNN-overfit" solver). Progress goes
// to stderr; --log writes one CSV row per iteration. SIGINT/SIGTERM finish the
// current step, write the checkpoint and exit with 128 + the signal number;
// running the same command with --resume continues exactly (the --log is
// first cut back to the checkpoint's records, so rows after it, written
// before a SIGKILL, are not repeated). The background and foreground presets
// take a foreground mask per photo (foreground_masks.hpp): from --masks DIR
// (same stem), or with --masks auto (the default) from the built-in saliency
// detector, cached in MODEL.masks/{train,val}/ beside the run. Outputs (--out, the checkpoint, --log,
// --output-image) are checked before any work: their folders exist, none is
// an input or another output (so --checkpoint = --out is refused).
//
// Under mpirun (`mpirun -np R ismooth train ... --batch N`, a build with
// MPI) the R ranks train one model together (trainer.hpp, data
// parallelism); rank 0 alone prints and writes files; an error on any rank
// ends every rank (MPI_Abort).
#include <omp.h>

#include <chrono>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/device_options.hpp"
#include "cli/energy_options.hpp"
#include "cli/interrupt.hpp"
#include "cli/network_shape.hpp"
#include "cli/output_paths.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/checkpoint.hpp"
#include "ismooth/network/foreground_masks.hpp"
#include "ismooth/network/gradient_reducer.hpp"
#include "ismooth/network/trainer.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::cli {

namespace {

struct Args {
  std::string data, out, val, gradient;
  EnergyOptions energy;
  ThreadsOption threads;
  NumericFlags numbers;
  int epochs = 30, crop = 224, width = 64, blocks = 10, max_side = 512;
  int val_crop = 0, batch = 0;
  std::vector<int> dilations;
  std::int64_t steps_per_epoch = 0;
  std::uint64_t seed = 0;
  double lr = 0.01, checkpoint_minutes = 5, progress = 5,
         stop_after = -1;  // minutes; < 0: no limit
  bool resume = false, no_flip = false, quiet = false, random_output_layer = false;
  std::string checkpoint, log, init = "uniform", device = "cpu", schedule = "constant";
  std::string precision = "fp32";
  std::string init_from;
  std::string masks;  // --masks DIR|auto (background/foreground; empty = auto)
  // over-fitting
  std::string overfit, output_image;
  int iterations = 500;
};

network::NetworkConfig make_config(const Args& a, const CLI::App& cmd) {
  network::NetworkConfig c;
  c.width = a.width;
  if (!a.dilations.empty()) {
    require(cmd.count("--blocks") == 0 || a.blocks == int(a.dilations.size()), "--blocks ",
            a.blocks, " disagrees with the ", a.dilations.size(), " values of --dilations");
    c.dilations = a.dilations;
  } else {
    c.dilations = paper_dilations(a.blocks);
  }
  c.blocks = int(c.dilations.size());
  c.validate("ismooth train");
  return c;
}

network::LearningRateSchedule parse_schedule(const std::string& name) {
  if (name == "constant") return network::LearningRateSchedule::constant;
  if (name == "cosine") return network::LearningRateSchedule::cosine;
  fail("--lr-schedule ", name, ": expected constant or cosine");
}

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = long(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return text;
}

double extra(const IterationRecord& r, const char* key) {
  const auto it = r.extras.find(key);
  return it == r.extras.end() ? std::nan("") : it->second;
}

// ---------------------------------------------------------------- CSV log

// The log's columns are fixed before the run (LiveLog writes as it goes);
// 10 significant digits keep a long run's log small.
const std::vector<std::string> kTrainExtras = {
    "epoch",          "image",           "learning_rate",   "images_per_second",
    "eta_seconds",    "val_energy",      "val_data",        "val_flatten",
    "val_edge",       "val_l2_fraction", "network_seconds", "energy_seconds",
    "update_seconds", "prepare_seconds", "wait_seconds",    "reduce_seconds"};
const std::vector<std::string> kOverfitExtras = {"learning_rate", "parameter_step"};
constexpr int kLogPrecision = 10;

/// The whole log, rewritten from the Summary (resumed runs included), via a
/// temporary file and a rename.
void write_csv(const std::string& path, const Summary& s, const std::vector<std::string>& extras) {
  SummaryCsvOptions options;
  options.precision = kLogPrecision;
  options.extras = extras;
  write_summary_csv(path, s, options);
}

/// Appends rows as they come, so a long run can be plotted while it trains.
struct LiveLog {
  std::ofstream out;
  const std::vector<std::string>* extras = nullptr;
  /// A resumed run starts from the checkpoint's records (`resumed`): rows a
  /// killed run logged after its last checkpoint are cut, not repeated.
  void open(const std::string& path, const std::vector<std::string>& columns,
            const std::vector<IterationRecord>* resumed = nullptr) {
    if (path.empty()) return;
    extras = &columns;
    if (resumed) {
      Summary s;
      s.iterations = *resumed;
      write_csv(path, s, columns);
    }
    out.open(path, resumed ? std::ios::app : std::ios::trunc);
    require(bool(out), "cannot open the log '", path, "'");
    if (!resumed) out << record_csv_header(columns);
  }
  void add(const IterationRecord& r) {
    if (!out.is_open()) return;
    out << record_csv_row(r, *extras, kLogPrecision) << '\n';
    out.flush();
  }
};

// ---------------------------------------------------------------- progress

void print_progress(const IterationRecord& r, std::int64_t total, std::int64_t spe) {
  std::fprintf(stderr,
               "epoch %.2f/%lld  step %d/%lld  E %.6g (data %.4g, flatten %.4g, edge %.4g, "
               "L2 %.2f)  %.2f img/s  ETA %s\n"
               "  step: network %.3f s, energy %.3f s, update %.3f s; crop, B, guidance %.3f s "
               "on a helper thread (waited %.3f s)\n",
               extra(r, "epoch"), static_cast<long long>(total / spe), r.iteration,
               static_cast<long long>(total), r.energy, r.data, r.flatten, r.edge, r.l2_fraction,
               extra(r, "images_per_second"), clock_text(extra(r, "eta_seconds")).c_str(),
               extra(r, "network_seconds"), extra(r, "energy_seconds"), extra(r, "update_seconds"),
               extra(r, "prepare_seconds"), extra(r, "wait_seconds"));
}

void print_validation(const IterationRecord& r) {
  std::fprintf(stderr,
               "validation after epoch %.0f: E %.6g (data %.4g, flatten %.4g, edge %.4g, "
               "L2 %.2f)\n",
               extra(r, "epoch"), extra(r, "val_energy"), extra(r, "val_data"),
               extra(r, "val_flatten"), extra(r, "val_edge"), extra(r, "val_l2_fraction"));
}

/// `resumable`: a training run (checkpointed); over-fitting has no checkpoint.
int interrupted_exit(const Summary& s, bool resumable) {
  const int sig = interrupt_signal();
  std::fprintf(stderr, "ismooth: %s: %s\n",
               sig == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)", s.message.c_str());
  std::fprintf(stderr, "%s\n",
               resumable ? "ismooth: run the same command with --resume to continue"
                         : "ismooth: the outputs hold the iterations done so far; --overfit runs "
                           "cannot be resumed (run it again to start over)");
  return 128 + (sig != 0 ? sig : SIGINT);
}

// ---------------------------------------------------------------- the modes

/// The weights of --init-from (checked against this run's network), if given.
std::optional<network::Parameters> initial_weights(const Args& a,
                                                   const network::NetworkConfig& config) {
  if (a.init_from.empty()) return std::nullopt;
  network::Model start = network::load_model(a.init_from);
  require(start.config.describe() == config.describe(), "--init-from ", a.init_from,
          ": its network is ", start.config.describe(), ", this run's is ", config.describe(),
          " (pass the same --width/--blocks/--dilations)");
  return std::move(start.parameters);
}

int run_training(const Args& a, const CLI::App& cmd, const EnergySelection& e,
                 network::GradientReducer* ranks);

// Under mpirun: one rank's error ends the whole job at once (MPI_Abort),
// after saying which rank; the other ranks would otherwise wait in a
// collective for it.
int run_training_on_ranks(Args a, const CLI::App& cmd, const EnergySelection& e) {
  const std::unique_ptr<network::GradientReducer> ranks = network::launched_reducer();
  if (ranks == nullptr) return run_training(a, cmd, e, nullptr);
  if (ranks->rank() != 0) {
    a.quiet = true;  // rank 0 alone prints progress and writes the log
    a.log.clear();
  }
  try {
    return run_training(a, cmd, e, ranks.get());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "ismooth: error (rank %d of %d): %s\n", ranks->rank(), ranks->size(),
                 error.what());
    std::fflush(stderr);
    ranks->abort(1);
    return 1;  // not reached
  }
}

int run_training(const Args& a, const CLI::App& cmd, const EnergySelection& e,
                 network::GradientReducer* ranks) {
  require(!a.data.empty(), "no training data given (--data DIR)");
  require(!a.out.empty(), "no output model given (--out MODEL)");
  network::TrainerOptions o;
  o.checkpoint = a.checkpoint.empty() ? a.out + ".ckpt" : a.checkpoint;
  // Fail before the long part, not at the first epoch's end.
  check_outputs({{"--out", a.out},
                 {a.checkpoint.empty() ? "the checkpoint" : "--checkpoint", o.checkpoint},
                 {"--log", a.log}},
                {{"--data", a.data}, {"--val", a.val}, {"--init-from", a.init_from}});
  o.max_short_side = a.max_side;
  o.crop = a.crop;
  o.flip = !a.no_flip;
  o.epochs = a.epochs;
  o.steps_per_epoch = a.steps_per_epoch;
  o.batch = a.batch;
  o.reducer = ranks;
  o.val_crop = a.val_crop;
  o.seed = a.seed;
  o.config = make_config(a, cmd);
  o.init = a.init == "he" ? network::InitScheme::he : network::InitScheme::uniform_code;
  o.zero_output_layer = !a.random_output_layer;
  o.initial = initial_weights(a, o.config);
  o.initial_name = a.init_from;
  o.engine = engine_for_device(a.device);
  apply_precision(o.engine, a.precision);
  o.preset = e.preset;
  o.params = e.params;
  o.pmap = e.pmap;
  o.adam.learning_rate = a.lr;
  o.schedule = parse_schedule(a.schedule);
  o.resume = a.resume;
  o.checkpoint_seconds = a.checkpoint_minutes * 60;
  o.model_out = a.out;
  std::string why;
  if (!o.IsValid(&why)) fail(why);
  require(!a.resume || std::filesystem::exists(o.checkpoint), "--resume: no checkpoint at '",
          o.checkpoint.string(), "'");
  const bool needs_masks = preset_needs_foreground(e.preset);
  require(needs_masks || a.masks.empty(), "--masks is for --preset background or foreground, not ",
          preset_name(e.preset));
  const bool auto_masks = needs_masks && (a.masks.empty() || a.masks == "auto");
  const std::filesystem::path mask_cache = a.out + ".masks";
  if (auto_masks) check_folder_writable("the mask cache", mask_cache);
  if (needs_masks && !auto_masks)
    require(std::filesystem::is_directory(a.masks), "--masks '", a.masks,
            "' is not a folder (give a folder of masks, or auto)");

  install_interrupt_handlers();
  o.interrupt = interrupt_flag();
  auto load = [&](const std::string& dir, const char* what) {
    std::vector<std::string> skipped;
    network::ImageSet set = network::ImageSet::load(dir, a.max_side, &skipped);
    for (const auto& s : skipped) std::fprintf(stderr, "ismooth: skipped %s\n", s.c_str());
    if (!a.quiet)
      std::fprintf(stderr, "%s: %zu images from %s (short side <= %d, %.0f MB)\n", what, set.size(),
                   dir.c_str(), a.max_side, double(set.bytes()) / 1e6);
    if (auto_masks) {
      const network::DetectedMasks m = network::detect_foreground_masks(set, mask_cache / what);
      if (!a.quiet)
        std::fprintf(stderr, "%s: foreground masks: %zu detected, %zu from the cache %s\n", what,
                     m.detected, m.cached, (mask_cache / what).c_str());
    } else if (needs_masks) {
      network::load_foreground_masks(set, a.masks);
    }
    return set;
  };
  const network::ImageSet train = load(a.data, "train");
  std::optional<network::ImageSet> val;
  if (!a.val.empty()) val = load(a.val, "val");

  const int batch = a.batch > 0 ? a.batch : ranks != nullptr ? ranks->size() : 1;
  const std::int64_t spe =
      a.steps_per_epoch > 0
          ? a.steps_per_epoch
          : std::max<std::int64_t>(1, (std::int64_t(train.size()) + batch - 1) / batch);
  const std::int64_t total = std::int64_t(a.epochs) * spe;
  if (!a.quiet)
    std::fprintf(
        stderr,
        "network: %s (%lld parameters), crops %dx%d, %d epochs x %lld steps, batch %d, "
        "preset %s, energy %s, gradient %s, lr %g, seed %llu, %d threads%s\n",
        o.config.describe().c_str(), static_cast<long long>(network::num_parameters(o.config)),
        a.crop, a.crop, a.epochs, static_cast<long long>(spe), batch, a.energy.preset.c_str(),
        a.energy.energy.c_str(), e.params.gradient == GradientMode::clipped ? "clipped" : "exact",
        a.lr, static_cast<unsigned long long>(a.seed), omp_get_max_threads(),
        ranks != nullptr ? (" x " + std::to_string(ranks->size()) + " MPI ranks").c_str() : "");

  LiveLog live;
  std::optional<network::TrainingCheckpoint> resumed;
  if (a.resume && !a.log.empty()) resumed = network::load_checkpoint(o.checkpoint);
  live.open(a.log, kTrainExtras, resumed ? &resumed->records : nullptr);
  resumed.reset();
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto last_print = started - std::chrono::hours(1);
  bool stopped_early = false;
  o.callback = [&](const IterationRecord& r) {
    live.add(r);
    // A session-bounded run: stop after this process's time budget with the
    // model of the current weights (checkpoint written, --resume continues).
    if (a.stop_after >= 0 && r.iteration < total &&
        std::chrono::duration<double>(Clock::now() - started).count() >= 60 * a.stop_after) {
      stopped_early = true;
      return CallbackReturn::stop_with_success;
    }
    if (!a.quiet) {
      if (!std::isnan(extra(r, "val_energy"))) print_validation(r);
      const auto now = Clock::now();
      if (std::chrono::duration<double>(now - last_print).count() >= a.progress ||
          r.iteration == total) {
        print_progress(r, std::max<std::int64_t>(total, 1), spe);
        last_print = now;
      }
    }
    return CallbackReturn::continue_solving;
  };
  o.log = [&](const std::string& line) {
    if (!a.quiet) std::fprintf(stderr, "%s\n", line.c_str());
  };

  const Summary s = network::train_network(o, train, val ? &*val : nullptr);
  if (!a.log.empty()) write_csv(a.log, s, kTrainExtras);
  const bool leader = ranks == nullptr || ranks->rank() == 0;
  // Under MPI a signal to any rank stops every rank at the same step.
  if (s.termination == TerminationType::user_abort && (interrupted() || ranks != nullptr))
    return leader ? interrupted_exit(s, true)
                  : 128 + (interrupted() ? interrupt_signal() : SIGTERM);
  if (s.termination == TerminationType::failure) {
    if (leader) std::printf("%s\n", s.BriefReport().c_str());
    fail("training failed: ", s.message);
  }
  if (leader) {
    std::printf("%s\n", s.BriefReport().c_str());
    std::printf("model written to %s%s\n", a.out.c_str(),
                stopped_early ? " (stopped by --stop-after; --resume continues the run)" : "");
  }
  return 0;
}

int run_overfit(const Args& a, const CLI::App& cmd, const EnergySelection& e) {
  require(a.data.empty() && a.val.empty() && !a.resume && a.checkpoint.empty(),
          "--overfit trains on one image and keeps no checkpoint: --data, --val, --resume and "
          "--checkpoint do not apply");
  check_outputs({{"--out", a.out}, {"--log", a.log}, {"--output-image", a.output_image}},
                {{"--overfit", a.overfit},
                 {"--init-from", a.init_from},
                 {"--mask", a.energy.mask},
                 {"--edges", a.energy.edges}});
  if (!a.output_image.empty()) (void)detail::format_of(a.output_image, true);
  network::OverfitOptions o;
  o.config = make_config(a, cmd);
  o.init = a.init == "he" ? network::InitScheme::he : network::InitScheme::uniform_code;
  o.seed = a.seed;
  o.zero_output_layer = !a.random_output_layer;
  o.initial = initial_weights(a, o.config);
  o.adam.learning_rate = a.lr;
  o.schedule = parse_schedule(a.schedule);
  o.max_iterations = a.iterations;
  o.engine = engine_for_device(a.device);
  apply_precision(o.engine, a.precision);
  std::string why;
  if (!o.IsValid(&why)) fail(why);

  const Image<float> input = load_image(a.overfit);
  const PresetInputs inputs = load_preset_inputs(a.energy, input);
  const auto energy = make_energy(input, e.preset, e.params, inputs, PMap{e.pmap});
  const double identity = energy.Evaluate(input);
  require(std::isfinite(identity), "--overfit: the energy of the image itself is ",
          csv_number(identity, 6), ", not finite (an extreme --set value?)");
  if (!a.quiet)
    std::fprintf(stderr, "over-fitting %s (%zux%zu), network %s, %d iterations; E(T = I) = %.6g\n",
                 a.overfit.c_str(), width(input), height(input), o.config.describe().c_str(),
                 a.iterations, identity);

  install_interrupt_handlers();
  o.interrupt = interrupt_flag();
  LiveLog live;
  live.open(a.log, kOverfitExtras);
  using Clock = std::chrono::steady_clock;
  auto last_print = Clock::now() - std::chrono::hours(1);
  o.callback = [&](const IterationRecord& r) {
    live.add(r);
    const auto now = Clock::now();
    if (!a.quiet && (std::chrono::duration<double>(now - last_print).count() >= a.progress ||
                     r.iteration == a.iterations)) {
      std::fprintf(stderr,
                   "iteration %d/%d  E %.6g (data %.4g, flatten %.4g, edge %.4g, L2 %.2f)  "
                   "%.3f s\n",
                   r.iteration, a.iterations, r.energy, r.data, r.flatten, r.edge, r.l2_fraction,
                   r.seconds);
      last_print = now;
    }
    return CallbackReturn::continue_solving;
  };
  Image<float> output;
  network::Parameters weights;
  const Summary s = network::overfit_network(o, energy, output, &weights);
  if (!a.log.empty()) write_csv(a.log, s, kOverfitExtras);
  // A failed fit (non-finite energy) writes no image or model: they would
  // hold the weights that produced it.
  if (s.termination == TerminationType::failure) fail("over-fitting failed: ", s.message);
  if (!a.output_image.empty()) save_image(output, a.output_image);
  if (!a.out.empty())
    network::save_model(
        a.out, network::Model{o.config,
                              weights,
                              {{"trainer", "ismooth train --overfit"},
                               {"image", a.overfit},
                               {"preset", a.energy.preset},
                               {"energy", a.energy.energy},
                               {"iterations", std::to_string(s.num_iterations())},
                               {"energy_params", network::describe_energy_params(e.params)}}});
  std::printf("%s\n", s.BriefReport().c_str());
  std::printf("E(T = I) = %.9g, final/identity = %.4f\n", identity, s.final_energy / identity);
  if (s.termination == TerminationType::user_abort && interrupted())
    return interrupted_exit(s, false);
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train the smoothing network with the energy as its loss (Fan et al. 2018, Sec. 3.3), "
      "or with --overfit fit it to one image (the paper's CNN-overfit solver)");
  cmd->add_option("--data", a->data, "folder of training photos (.jpg/.jpeg/.png, recursive)");
  cmd->add_option("--out", a->out, "the model file to write (required unless --overfit)");
  cmd->add_option("--val", a->val, "folder of validation photos (energy each epoch)");
  cmd->add_option("--masks", a->masks,
                  "background/foreground presets: a folder of foreground masks (photo sub/a.jpg "
                  "takes sub/a.png, >127 = foreground, the photo's size; for --val photos too), "
                  "or auto (default): the built-in saliency detector, cached in MODEL.masks/");
  EnergyHelp help;
  help.preset =
      "smoothing (default), detail, texture, background, foreground (these two take a mask per "
      "photo: --masks)";
  help.set =
      "override an energy parameter, key=value (repeatable): sigma_r, sigma_s, lambda_f, "
      "lambda_e, alpha, c1, c2, radius, p_large, p_small, dilate, gradient, "
      "colour_weight_floor, epsilon (smooths the gradient only), zero_guidance_margin";
  help.energy =
      "p map: adaptive (Eq. 8, default), l2, l08, half (fixed maps also set lambda_e = 0 unless "
      "--set lambda_e)";
  help.mask = "--overfit: foreground mask F for background/foreground";
  help.edges = "--overfit: edge map B instead of the detected one";
  add_energy_options(*cmd, a->energy, help);
  NumericFlags& n = a->numbers;
  n.add(*cmd, "--epochs", a->epochs, {1, 1000000, ""}, "epochs (default 30)");
  n.add(*cmd, "--crop", a->crop, {1, 65535, ""},
        "training crop size S (default 224); smaller sides whole");
  n.add(*cmd, "--width", a->width, {1, 4096, ""}, "channels of the hidden layers (default 64)");
  n.add(*cmd, "--blocks", a->blocks, {1, 64, ""},
        "residual blocks (default 10: dilations 2,2,4,4,8,8,16,16,1,1; K blocks: the first K-2 of "
        "these, then 1,1)");
  n.add_list(*cmd, "--dilations", a->dilations, {1, 1024, ""},
             "explicit dilation per block, comma-separated (overrides --blocks)");
  cmd->add_option("--gradient", a->gradient,
                  "exact or clipped (docs/spec/energy.md §10; default clipped, as the authors "
                  "trained)");
  cmd->add_flag("--resume", a->resume, "continue from the checkpoint (same settings)");
  n.add(*cmd, "--seed", a->seed, {0, LLONG_MAX, ""},
        "seed of the weights, data order, crops and flips (0)");
  n.add(*cmd, "--steps-per-epoch", a->steps_per_epoch,
        {0, 1000000000000, "0 = one per training image, the default"}, "updates per epoch");
  n.add(*cmd, "--batch", a->batch, {1, 1000000, ""},
        "crops per update N: their gradients are averaged (default 1; under mpirun, the number "
        "of ranks, which must divide N). Recorded in the checkpoint: --resume needs the same N");
  n.add(*cmd, "--lr", a->lr, {0, 1000, true, ""}, "Adam learning rate (default 0.01)");
  cmd->add_option("--lr-schedule", a->schedule,
                  "constant (default, the paper) or cosine (decay to 0 over the run)");
  add_threads_option(*cmd, a->threads);
  cmd->add_option("--checkpoint", a->checkpoint, "checkpoint file (default MODEL.ckpt)");
  n.add(*cmd, "--checkpoint-minutes", a->checkpoint_minutes, {0, 1e6, false, ""},
        "also checkpoint this often (default 5; each epoch end and interrupts always)");
  cmd->add_option("--log", a->log, "CSV file, one row per iteration");
  n.add(*cmd, "--stop-after", a->stop_after, {0, 1e7, false, "0 = after the first step"},
        "stop after this many minutes of this process, writing the checkpoint and the model of "
        "the current weights; --resume continues the run");
  n.add(*cmd, "--max-side", a->max_side, {1, 65535, ""},
        "downsample photos at load so the short side is at most this (default 512)");
  n.add(*cmd, "--val-crop", a->val_crop, {-1, 65535, "-1 = whole images, 0 = --crop"},
        "validation crop: centred VxV (default: --crop)");
  cmd->add_flag("--no-flip", a->no_flip, "no random left-right mirroring");
  cmd->add_option("--init", a->init, "weight initialisation: uniform (authors' code) or he");
  cmd->add_option("--init-from", a->init_from,
                  "start from the weights of this model file (same network; e.g. a model trained "
                  "on another energy), instead of --init");
  cmd->add_flag("--random-output-layer", a->random_output_layer,
                "initialise the last layer randomly too (the authors' start; default: zero, "
                "so the first output is T = I)");
  n.add(*cmd, "--progress", a->progress, {0, 1e6, false, ""},
        "seconds between progress lines (default 5)");
  add_device_option(*cmd, a->device);
  add_precision_option(*cmd, a->precision,
                       "fp32 (default) or bf16 (cpu: mixed precision, bf16 forward and "
                       "backward with fp32 weights, gradients and Adam state; needs "
                       "AVX512-BF16). Recorded in the checkpoint: --resume needs the same");
  cmd->add_flag("--quiet,-q", a->quiet, "no progress output");
  cmd->add_option("--overfit", a->overfit, "over-fit to this one image instead of training");
  n.add(*cmd, "--iterations", a->iterations, {1, 10000000, ""},
        "--overfit: Adam iterations (default 500)");
  cmd->add_option("--output-image", a->output_image,
                  "--overfit: write the network's output T (raw, clamped to 0-255)");
  cmd->callback([a, cmd, &action] {
    action = [a, cmd] {
      a->numbers.parse_all();
      apply_threads(a->threads);
      EnergyRules rules;
      rules.defaults = network::default_training_params;
      rules.finish = [a](EnergyParams& params) {
        if (!a->gradient.empty()) set_parameter(params, "gradient", a->gradient);
      };
      const EnergySelection e = select_energy(a->energy, rules);
      require(a->init == "uniform" || a->init == "he", "--init ", a->init,
              ": expected uniform or he");
      if (!a->overfit.empty()) return run_overfit(*a, *cmd, e);
      require(a->energy.mask.empty() && a->energy.edges.empty() && a->output_image.empty(),
              "--mask, --edges and --output-image are for --overfit");
      return run_training_on_ranks(*a, *cmd, e);
    };
  });
}

}  // namespace ismooth::cli
