#pragma once
// What `ismooth train` (train.cpp) and the Python module's ismooth.train and
// ismooth.overfit share, so that both run the same training from the same
// words: every option of the command as one struct and its flags, the
// trainer's and the over-fitter's options built and checked from it, the
// foreground masks of the background/foreground presets, the CSV log and
// the --stop-after clock. Messages name options as the caller spells them
// (option_spelling.hpp): "--stop-after" on the command line, "stop_after"
// in Python.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "cli/energy_options.hpp"
#include "cli/flag_values.hpp"
#include "ismooth/energy_selection.hpp"
#include "ismooth/network/trainer.hpp"
#include "ismooth/summary.hpp"

namespace ismooth::cli {

/// The options of `ismooth train`, as typed (defaults as in its --help);
/// the Python keywords are the flags' names in snake_case.
struct TrainArgs {
  std::string data, out, val, gradient;
  EnergyOptions energy;  ///< preset, energy, --set; mask and edges: --overfit only
  int epochs = 30, crop = 224, width = 64, blocks = 10, max_side = 512;
  int val_crop = 0, batch = 0;  ///< batch 0: 1, or the MPI ranks
  std::vector<int> dilations;
  bool blocks_given = false;  ///< --blocks given (it must then agree with --dilations)
  std::int64_t steps_per_epoch = 0;
  std::uint64_t seed = 0;
  double lr = 0.01, checkpoint_minutes = 5;
  double stop_after = -1;  ///< minutes; < 0: no limit
  bool resume = false, no_flip = false, random_output_layer = false;
  std::string checkpoint, log, init = "uniform", device = "cpu", schedule = "constant";
  std::string precision = "fp32";
  std::string init_from;
  std::string masks;  ///< a folder of foreground masks, or auto (empty = auto)
  // over-fitting
  std::string overfit, output_image;
  int iterations = 500;
};

/// Registers the numeric flags of `a` (ranges and help in one place) on
/// `cmd` with `numbers`; the Python module registers them on a throwaway
/// App to check its keywords with the same ranges (NumericFlags::set).
void add_train_numbers(CLI::App& cmd, NumericFlags& numbers, TrainArgs& a);

/// The energy of the run: --preset, --energy, --set with the training
/// defaults (network::default_training_params) and --gradient; also checks
/// --init.
EnergySelection select_training_energy(const TrainArgs& a, Spelling spelling);

/// The trainer's options for a training run, everything checked before any
/// work: outputs (their folders, none an input or another output), network
/// shape, --init-from's network, engine and precision, TrainerOptions::IsValid,
/// and --resume's checkpoint. The data (a.data may be empty: images given in
/// memory) and the callbacks are the caller's.
network::TrainerOptions training_options(const TrainArgs& a, const EnergySelection& e,
                                         Spelling spelling);

/// The trainer's steps per epoch and its total: --steps-per-epoch, or one
/// pass over `images` in updates of `batch` crops.
struct TrainingLength {
  std::int64_t steps_per_epoch = 1, total = 0;
};
TrainingLength training_length(const TrainArgs& a, std::size_t images, int batch);

/// The foreground masks of the background/foreground presets: --masks DIR
/// (load_foreground_masks) or auto (the built-in detector, cached in
/// MODEL.masks/{train,val}/). Checks the choice when made.
class TrainingMasks {
 public:
  TrainingMasks(const TrainArgs& a, Preset preset, Spelling spelling);
  /// Gives `set` its masks; `which` is "train" or "val" (the cache's
  /// folder). Returns a line saying what it did ("" when no masks apply).
  std::string attach(network::ImageSet& set, const std::string& which) const;
  bool needed() const { return needed_; }

 private:
  bool needed_ = false, automatic_ = false;
  std::filesystem::path folder_, cache_;
};

/// --log: one CSV row per iteration appended as it comes (a long run can be
/// plotted while it trains), the whole file rewritten from the Summary at
/// the end. A resumed run starts from the checkpoint's records, so rows a
/// killed run logged after its last checkpoint are cut, not repeated.
class TrainingLog {
 public:
  /// No file when `path` is empty. `extras`: the columns beyond the CSV's
  /// own (training_log_extras or overfit_log_extras).
  TrainingLog(const std::string& path, const std::vector<std::string>& extras,
              const std::vector<IterationRecord>* resumed = nullptr);
  /// The log of a training run: resumed from `o.checkpoint` under --resume.
  static TrainingLog for_training(const TrainArgs& a, const network::TrainerOptions& o);
  void add(const IterationRecord& r);
  void finish(const Summary& s);

 private:
  std::string path_;
  const std::vector<std::string>* extras_;
  std::ofstream out_;
};

const std::vector<std::string>& training_log_extras();
const std::vector<std::string>& overfit_log_extras();

/// --stop-after: whether a run of `total` steps should stop at record `r`,
/// the clock started at construction (this process's time).
class StopClock {
 public:
  StopClock(double minutes, std::int64_t total) : minutes_(minutes), total_(total) {}
  bool due(const IterationRecord& r);
  bool stopped() const { return stopped_; }

 private:
  using Clock = std::chrono::steady_clock;
  double minutes_;
  std::int64_t total_;
  Clock::time_point started_ = Clock::now();
  bool stopped_ = false;
};

/// The over-fitter's options (the paper's CNN-overfit solver), checked:
/// the training-only options do not apply, outputs, network, engine.
/// `image` names the input in the caller's words ("--overfit IMAGE").
network::OverfitOptions overfit_options(const TrainArgs& a, Spelling spelling);

/// The energy the over-fitter minimises on `input`, with `inputs` (mask,
/// edges); checks that E(T = I) is finite. Returns E(T = I) in `identity`.
SmoothingEnergy<float> overfit_energy(const Image<float>& input, const EnergySelection& e,
                                      const PresetInputs& inputs, Spelling spelling,
                                      double* identity);

/// Writes the over-fitted model to a.out (when given) with its metadata.
void save_overfit_model(const TrainArgs& a, const network::OverfitOptions& o,
                        const EnergySelection& e, const network::Parameters& weights,
                        const Summary& s, const std::string& image_name);

}  // namespace ismooth::cli
