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
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/device_options.hpp"
#include "cli/interrupt.hpp"
#include "cli/train_run.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/gradient_reducer.hpp"

namespace ismooth::cli {

namespace {

/// The command's options: the shared ones (train_run.hpp) and the terminal's.
struct Args : TrainArgs {
  ThreadsOption threads;
  NumericFlags numbers;
  double progress = 5;  // seconds between progress lines
  bool quiet = false;
};

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

int run_training(const Args& a, const EnergySelection& e, network::GradientReducer* ranks);

// Under mpirun: one rank's error ends the whole job at once (MPI_Abort),
// after saying which rank; the other ranks would otherwise wait in a
// collective for it.
int run_training_on_ranks(Args a, const EnergySelection& e) {
  const std::unique_ptr<network::GradientReducer> ranks = network::launched_reducer();
  if (ranks == nullptr) return run_training(a, e, nullptr);
  if (ranks->rank() != 0) {
    a.quiet = true;  // rank 0 alone prints progress and writes the log
    a.log.clear();
  }
  try {
    return run_training(a, e, ranks.get());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "ismooth: error (rank %d of %d): %s\n", ranks->rank(), ranks->size(),
                 error.what());
    std::fflush(stderr);
    ranks->abort(1);
    return 1;  // not reached
  }
}

int run_training(const Args& a, const EnergySelection& e, network::GradientReducer* ranks) {
  require(!a.data.empty(), "no training data given (--data DIR)");
  network::TrainerOptions o = training_options(a, e, Spelling::flag);
  o.reducer = ranks;
  const TrainingMasks masks(a, e.preset, Spelling::flag);

  install_interrupt_handlers();
  o.interrupt = interrupt_flag();
  auto load = [&](const std::string& dir, const char* what) {
    std::vector<std::string> skipped;
    network::ImageSet set = network::ImageSet::load(dir, a.max_side, &skipped);
    for (const auto& s : skipped) std::fprintf(stderr, "ismooth: skipped %s\n", s.c_str());
    if (!a.quiet)
      std::fprintf(stderr, "%s: %zu images from %s (short side <= %d, %.0f MB)\n", what, set.size(),
                   dir.c_str(), a.max_side, double(set.bytes()) / 1e6);
    const std::string attached = masks.attach(set, what);
    if (!a.quiet && !attached.empty()) std::fprintf(stderr, "%s\n", attached.c_str());
    return set;
  };
  const network::ImageSet train = load(a.data, "train");
  std::optional<network::ImageSet> val;
  if (!a.val.empty()) val = load(a.val, "val");

  const int batch = a.batch > 0 ? a.batch : ranks != nullptr ? ranks->size() : 1;
  const TrainingLength length = training_length(a, train.size(), batch);
  const std::int64_t spe = length.steps_per_epoch, total = length.total;
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

  TrainingLog log = TrainingLog::for_training(a, o);
  StopClock stop_after(a.stop_after, total);
  using Clock = std::chrono::steady_clock;
  auto last_print = Clock::now() - std::chrono::hours(1);
  o.callback = [&](const IterationRecord& r) {
    log.add(r);
    // A session-bounded run: stop after this process's time budget with the
    // model of the current weights (checkpoint written, --resume continues).
    if (stop_after.due(r)) return CallbackReturn::stop_with_success;
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
  log.finish(s);
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
    std::printf(
        "model written to %s%s\n", a.out.c_str(),
        stop_after.stopped() ? " (stopped by --stop-after; --resume continues the run)" : "");
  }
  return 0;
}

int run_overfit(const Args& a, const EnergySelection& e) {
  network::OverfitOptions o = overfit_options(a, Spelling::flag);
  if (!a.output_image.empty()) (void)detail::format_of(a.output_image, true);
  const Image<float> input = load_image(a.overfit);
  double identity = 0;
  const auto energy =
      overfit_energy(input, e, load_preset_inputs(a.energy, input), Spelling::flag, &identity);
  if (!a.quiet)
    std::fprintf(stderr, "over-fitting %s (%zux%zu), network %s, %d iterations; E(T = I) = %.6g\n",
                 a.overfit.c_str(), width(input), height(input), o.config.describe().c_str(),
                 a.iterations, identity);

  install_interrupt_handlers();
  o.interrupt = interrupt_flag();
  TrainingLog log(a.log, overfit_log_extras());
  using Clock = std::chrono::steady_clock;
  auto last_print = Clock::now() - std::chrono::hours(1);
  o.callback = [&](const IterationRecord& r) {
    log.add(r);
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
  log.finish(s);
  // A failed fit (non-finite energy) writes no image or model: they would
  // hold the weights that produced it.
  if (s.termination == TerminationType::failure) fail("over-fitting failed: ", s.message);
  if (!a.output_image.empty()) save_image(output, a.output_image);
  save_overfit_model(a, o, e, weights, s, a.overfit);
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
  add_train_numbers(*cmd, a->numbers, *a);
  cmd->add_option("--gradient", a->gradient,
                  "exact or clipped (docs/spec/energy.md §10; default clipped, as the authors "
                  "trained)");
  cmd->add_flag("--resume", a->resume, "continue from the checkpoint (same settings)");
  cmd->add_option("--lr-schedule", a->schedule,
                  "constant (default, the paper) or cosine (decay to 0 over the run)");
  add_threads_option(*cmd, a->threads);
  cmd->add_option("--checkpoint", a->checkpoint, "checkpoint file (default MODEL.ckpt)");
  cmd->add_option("--log", a->log, "CSV file, one row per iteration");
  cmd->add_flag("--no-flip", a->no_flip, "no random left-right mirroring");
  cmd->add_option("--init", a->init, "weight initialisation: uniform (authors' code) or he");
  cmd->add_option("--init-from", a->init_from,
                  "start from the weights of this model file (same network; e.g. a model trained "
                  "on another energy), instead of --init");
  cmd->add_flag("--random-output-layer", a->random_output_layer,
                "initialise the last layer randomly too (the authors' start; default: zero, "
                "so the first output is T = I)");
  a->numbers.add(*cmd, "--progress", a->progress, {0, 1e6, false, ""},
                 "seconds between progress lines (default 5)");
  add_device_option(*cmd, a->device);
  add_precision_option(*cmd, a->precision,
                       "fp32 (default) or bf16 (cpu: mixed precision, bf16 forward and "
                       "backward with fp32 weights, gradients and Adam state; needs "
                       "AVX512-BF16). Recorded in the checkpoint: --resume needs the same");
  cmd->add_flag("--quiet,-q", a->quiet, "no progress output");
  cmd->add_option("--overfit", a->overfit, "over-fit to this one image instead of training");
  cmd->add_option("--output-image", a->output_image,
                  "--overfit: write the network's output T (raw, clamped to 0-255)");
  cmd->callback([a, cmd, &action] {
    action = [a, cmd] {
      a->numbers.parse_all();
      a->blocks_given = cmd->count("--blocks") > 0;
      apply_threads(a->threads);
      const EnergySelection e = select_training_energy(*a, Spelling::flag);
      if (!a->overfit.empty()) return run_overfit(*a, e);
      require(a->energy.mask.empty() && a->energy.edges.empty() && a->output_image.empty(),
              "--mask, --edges and --output-image are for --overfit");
      return run_training_on_ranks(*a, e);
    };
  });
}

}  // namespace ismooth::cli
