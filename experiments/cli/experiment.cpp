// ismooth experiment NAME [--quick] [--images DIR] [--out DIR] [...]
//
// The experiment drivers of docs/spec/experiments.md (experiments.hpp): fig6,
// fig5_7, adaptive, fig9, table1. Every flag below is shared; a driver
// ignores those that do not concern it (the help says which use them).
// Exit status: 0 done, 1 error, 130 interrupted (rerun to continue: finished
// parts are cached under OUT/cache/). --out may not be, or lie inside, a
// folder of photos the drivers read (--images, --train-images): a rerun would
// take the figures for photos.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/device_options.hpp"
#include "cli/flag_values.hpp"
#include "cli/interrupt.hpp"
#include "cli/output_paths.hpp"
#include "drivers/experiments.hpp"
#include "drivers/method_models.hpp"
#include "ismooth/error.hpp"

namespace ismooth::cli {

void add_experiment_command(CLI::App& app, Action& action) {
  using experiments::DriverOptions;
  auto o = std::make_shared<DriverOptions>();
  auto threads = std::make_shared<ThreadsOption>();
  auto numbers = std::make_shared<NumericFlags>();
  NumericFlags& n = *numbers;
  CLI::App* cmd = app.add_subcommand(
      "experiment",
      "Reproduce a figure or table of the paper: fig6, fig5_7, adaptive, fig9, table1, fig10, "
      "fig11, fig12, fig13 "
      "(docs/reproduction.md). Numbers (CSV) and figures (PNG) go under --out/NAME; finished "
      "parts are cached under --out/cache, so an interrupted run continues where it stopped");
  cmd->add_option("NAME", o->name, "fig6, fig5_7, adaptive, fig9, table1, fig10, fig11, fig12 (texture "
                  "removal) or fig13 (content-aware smoothing)")
      ->required()
      ->check(CLI::IsMember(
          {"fig6", "fig5_7", "adaptive", "fig9", "table1", "fig10", "fig11", "fig12", "fig13"}));
  cmd->add_flag("--quick", o->quick,
                "tiny inputs (scikit-image samples at 48 px), tiny networks, few iterations: "
                "seconds to a minute, for tests");
  cmd->add_option("--images", o->images,
                  "folder of test photos (required unless --quick; fig12, fig13: without it only "
                  "the synthetic scenes)");
  cmd->add_option("--train-images", o->train_images,
                  "folder of training photos for the CNNs of fig6, fig5_7, fig9 (required unless "
                  "--quick)");
  cmd->add_option("--out", o->out, "output folder (default out/experiments)");
  n.add(*cmd, "--max-side", o->max_side, {0, 65535, "0 = the default"},
        "downscale test photos to this long side (default: quick 48, full " +
            std::to_string(experiments::kFullTestSide) +
            "); fig12, fig13: also the synthetic scenes' side (default: quick 64, full 160)");
  n.add(*cmd, "--count", o->count, {0, 1000000, "0 = the default"},
        "use the first N test photos (default: all; quick 2); fig12, fig13: also the number of "
        "synthetic scenes (default: quick 3, full 12)");
  add_threads_option(*cmd, *threads);
  cmd->add_flag("--no-plot", o->no_plot, "write the numbers only");
  const IntRange iterations{1, 10000000, ""};
  n.add(*cmd, "--irls-iterations", o->irls_iterations, iterations, "IRLS iterations (default 10)");
  n.add(*cmd, "--adam-iterations", o->adam_iterations, iterations, "Adam iterations (default 100)");
  n.add(*cmd, "--lbfgs-iterations", o->lbfgs_iterations, iterations,
        "L-BFGS iterations (default 100)");
  n.add(*cmd, "--width", o->width, {0, 4096, "0 = the default"},
        "CNN width (default: quick 8, full 32)");
  n.add(*cmd, "--blocks", o->blocks, {0, 64, "0 = the default"},
        "CNN residual blocks (default: quick 2, full 6)");
  n.add(*cmd, "--crop", o->crop, {0, 65535, "0 = the default"},
        "training crop (default: quick 48, full " + std::to_string(experiments::kFullCrop) + ")");
  n.add(*cmd, "--epochs", o->epochs, {0, 1000000, "0 = the default"},
        "training epochs (default: quick 1, full 4)");
  n.add(*cmd, "--steps-per-epoch", o->steps_per_epoch,
        {-1, 1000000000000, "-1 = the default, 0 = one per training photo"},
        "training steps per epoch (default: quick 40, full one per training photo)");
  n.add(*cmd, "--train-max-side", o->train_max_side, {0, 65535, "0 = the default"},
        "short side of the training photos at load (default " +
            std::to_string(experiments::kFullTrainShortSide) + ")");
  n.add(*cmd, "--lr", o->lr, {0, 1000, true, ""}, "training learning rate (default 0.01)");
  n.add(*cmd, "--overfit-iterations", o->overfit_iterations, {0, 10000000, "0 = the default"},
        "CNN-overfit Adam iterations (default: quick 15, full 300)");
  n.add(*cmd, "--overfit-lr", o->overfit_lr, {0, 1000, false, "0 = the default"},
        "CNN-overfit learning rate (default 1e-3 from the trained weights, 1e-2 from scratch)");
  cmd->add_option("--overfit-from", o->overfit_from, "trained (default) or scratch")
      ->check(CLI::IsMember({"trained", "scratch"}));
  cmd->add_option("--photo", o->photo, "fig5_7: the photo of the grid (default: first test photo)");
  n.add(*cmd, "--lambda-e", o->lambda_e, {0, 1e6, false, ""},
        "adaptive: edge-term weight (default 0: IRLS cannot majorise the edge term; > 0 drops "
        "IRLS)");
  cmd->add_option("--model", o->model,
                  "table1: CNN model to time (default: a freshly initialised paper network); "
                  "fig10, fig11: model file or shipped name of 'ours' (default: smoothing; fig11: "
                  "detail once shipped)");
  cmd->add_option("--use-model", o->use_models,
                  "fig12, fig13: NAME=FILE, run FILE as the trained model NAME (texture, "
                  "background, foreground, smoothing) in place of the shipped one; repeatable "
                  "(default: each shipped model; one not shipped yet is skipped with a note)")
      ->type_name("NAME=FILE");
  cmd->add_option("--sizes", o->sizes,
                  "table1: WxH list (default 320x240,640x480,1280x720; quick 64x48,96x72)");
  n.add(*cmd, "--repeats", o->repeats, {0, 1000000, "0 = the default"},
        "table1: timed repetitions, median (default 5; quick 2)");
  n.add(*cmd, "--time-limit", o->time_limit, {0, 1e7, false, "0 = the default"},
        "table1: seconds per measured item before it is abandoned (default 300; quick 30)");
  cmd->add_option("--gradient", o->gradient,
                  "gradient the trained networks descend: clipped (default, as the authors "
                  "trained) or exact (docs/spec/energy.md §10)")
      ->check(CLI::IsMember({"clipped", "exact"}));
  add_device_option(*cmd, o->device,
                    "engine of the networks trained, over-fitted and run: cpu (oneDNN; default) "
                    "or cuda (needs a CUDA build and a GPU); table1 times every engine present")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->callback([o, threads, numbers, &action] {
    action = [o, threads, numbers] {
      numbers->parse_all();
      apply_threads(*threads);
      for (const std::string* photos : {&o->images, &o->train_images})
        require(photos->empty() || !is_within(o->out, *photos), "--out ", o->out,
                " is inside the photo folder ", *photos,
                ", which is read recursively: a rerun would take the results for photos");
      check_folder_writable("--out", o->out);
      experiments::check_use_models(*o);
      engine_for_device(o->device);  // fail before any work if it cannot run
      install_interrupt_handlers();
      try {
        if (o->name == "fig6") return experiments::run_fig6(*o);
        if (o->name == "fig5_7") return experiments::run_fig5_7(*o);
        if (o->name == "adaptive") return experiments::run_adaptive(*o);
        if (o->name == "fig9") return experiments::run_fig9(*o);
        if (o->name == "fig10") return experiments::run_fig10(*o);
        if (o->name == "fig11") return experiments::run_fig11(*o);
        if (o->name == "fig12") return experiments::run_fig12(*o);
        if (o->name == "fig13") return experiments::run_fig13(*o);
        return experiments::run_table1(*o);
      } catch (const Interrupted&) {
        std::fprintf(stderr,
                     "ismooth: interrupted; finished parts are cached under %s/cache: run the "
                     "same command again to continue\n",
                     o->out.c_str());
        return 130;
      }
    };
  });
}

}  // namespace ismooth::cli
