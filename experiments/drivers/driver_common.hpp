#pragma once
// What the experiment drivers (`ismooth experiment NAME`, cli_experiment.cpp)
// share: their options, the test images, a result cache keyed by a hash of
// the settings, CSV records of Summaries, progress lines, trained networks
// (cached, resumable through the trainer's checkpoint), interrupts, and the
// call of the matplotlib script.
//
// Caching: every finished part (one solver run on one image, one trained
// network, one timing) is written atomically under OUT/cache/ with the hash
// of everything that determines it in its file name; a rerun loads what
// exists and computes the rest, and says how many parts came from the cache.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ismooth/energy_params.hpp"
#include "ismooth/image.hpp"
#include "ismooth/network/model_file.hpp"
#include "ismooth/network/network_config.hpp"
#include "ismooth/network/training_data.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/summary.hpp"

namespace ismooth::experiments {

namespace fs = std::filesystem;

/// The full (non-quick) runs' default sizes, chosen so that every driver
/// finishes within about an hour on the 2-core reference machine
/// (docs/reproduction.md): test photos downscaled to this long side, training
/// photos loaded at this short side, training crops of this side.
inline constexpr int kFullTestSide = 128;
inline constexpr int kFullTrainShortSide = 128;
inline constexpr int kFullCrop = 96;

/// Options common to every driver (flags of `ismooth experiment`).
struct DriverOptions {
  std::string name;          ///< fig6, fig5_7, adaptive, fig9, table1
  bool quick = false;        ///< tiny inputs, tiny network, few iterations
  std::string images;        ///< test photos (folder, recursive); quick: built-in samples
  std::string train_images;  ///< training photos for the drivers that train a CNN
  std::string out = "out/experiments";
  int max_side = 0;  ///< downscale test photos so the long side ≤ this (0: default)
  int count = 0;     ///< use the first N test photos (0 = all)
  bool no_plot = false;
  // per-image solvers
  int irls_iterations = 10, adam_iterations = 100, lbfgs_iterations = 100;
  // networks
  int width = 0, blocks = 0, crop = 0, epochs = 0, train_max_side = 0;
  std::int64_t steps_per_epoch = -1;
  double lr = 0.01;
  int overfit_iterations = 0;
  double overfit_lr = 0;
  std::string overfit_from = "trained";  ///< trained | scratch
  // fig5_7
  std::string photo;
  // table1
  std::string model, sizes;
  int repeats = 0;
  double time_limit = 0;
  double lambda_e = 0;  ///< adaptive: λ_e of the adaptive energy (IRLS needs 0)
  /// Engine of every network the drivers train, over-fit and run: cpu
  /// (oneDNN) or cuda. table1 times every engine present whatever this says.
  std::string device = "cpu";
  /// Gradient the trained networks descend: clipped (the authors' training,
  /// default) or exact (energy.md §10). Over-fitting always uses the exact one.
  std::string gradient = "clipped";
};

/// Ctrl-C / SIGTERM: set once; drivers stop between parts and the trainer
/// checkpoints. interrupted() polls it.
void install_interrupt_handlers();
bool interrupted();
const std::atomic<bool>* interrupt_flag();
/// Thrown by drivers when interrupted (exit 130, "rerun to continue").
struct Interrupted {};
/// A solver callback that aborts when interrupted (the result is then not cached).
IterationCallback abort_on_interrupt();

/// 16 hex digits of FNV-1a 64 over `text`.
std::string hash_text(const std::string& text);

/// Ordered key=value settings; their text (and its hash) identify a cached part.
struct Settings {
  std::vector<std::pair<std::string, std::string>> items;
  Settings& add(const std::string& key, const std::string& value);
  Settings& add(const std::string& key, double value);
  std::string text() const;
  std::string hash() const { return hash_text(text()); }
};

/// Files under OUT/cache/SUB named NAME-HASH.EXT; counts hits and misses.
class ResultCache {
 public:
  ResultCache(const fs::path& out, const std::string& sub);
  fs::path path(const std::string& name, const Settings& s, const std::string& ext) const;
  /// True (and counted as cached) if `p` exists.
  bool lookup(const fs::path& p);
  void computed() { ++computed_; }
  int hits() const { return hits_; }
  int misses() const { return computed_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  int hits_ = 0, computed_ = 0;
};

/// Writes `text` to `path` through a temporary file and a rename.
void write_text(const fs::path& path, const std::string& text);
std::string read_text(const fs::path& path);

/// CSV of a Summary: the standard record columns (as `ismooth solve --trace`)
/// plus every extra, and a first comment line "# solver,termination,message".
void write_summary_csv(const fs::path& path, const Summary& s);
Summary read_summary_csv(const fs::path& path);

/// The record columns of every long-format records.csv the drivers write.
extern const char* const kRecordColumns;
/// One CSV row of `r` (no newline), in kRecordColumns order.
std::string record_row(const IterationRecord& r);
std::string number(double v);

/// One test image.
struct TestImage {
  std::string name;  ///< file stem (or the sample's name)
  Image<float> pixels;
  std::uint32_t crc = 0;  ///< of the pixels: part of every cache key
};

/// The test images of the run: --images (downscaled to max_side, first
/// --count), or in quick mode scikit-image's astronaut, chelsea, coffee
/// (synthetic pictures where python3-skimage is absent) at `max_side`.
std::vector<TestImage> load_test_images(const DriverOptions& o, int default_max_side,
                                        int default_quick_count = 2);
/// One photo file, downscaled so its long side is at most max_side.
TestImage load_photo(const fs::path& path, int max_side);
/// Training photos: --train-images, or in quick mode other skimage samples.
network::ImageSet load_training_images(const DriverOptions& o, int quick_side);
std::uint32_t image_crc(const Image<float>& image);

/// Prints "[driver] k/n what (cached|done, 1.2 s)" to stderr.
class Progress {
 public:
  Progress(std::string driver, int total) : driver_(std::move(driver)), total_(total) {}
  void item(const std::string& what, bool cached, double seconds = 0);
  void note(const std::string& what) const;
  void set_total(int total) { total_ = total; }

 private:
  std::string driver_;
  int total_ = 0, done_ = 0;
};

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

/// Records of several runs in one long CSV: a header of `keys` then the
/// record columns; add() appends every record of a Summary.
class RecordsCsv {
 public:
  explicit RecordsCsv(const std::vector<std::string>& keys);
  void add(const std::vector<std::string>& key_values, const Summary& s);
  void write(const fs::path& path) const { write_text(path, text_); }

 private:
  std::string text_;
};

/// Mean over runs of the energy after k iterations, runs that stopped earlier
/// held at their final energy (they stay there).
double mean_energy_at(const std::vector<Summary>& runs, int k);
double mean_final_energy(const std::vector<Summary>& runs);
double mean_seconds(const std::vector<Summary>& runs);
int max_iterations(const std::vector<Summary>& runs);

/// The network defaults: quick width 8, 2 blocks; full width 32, 6 blocks.
network::NetworkConfig driver_network_config(const DriverOptions& o);
/// Spec with the driver's defaults for crop/epochs/steps (quick or full).
NetworkSpec default_network_spec(const DriverOptions& o, const network::ImageSet& train);

/// Energy parameters of the solver study: the smoothing preset, λ_e = 0 for
/// fixed maps (as `ismooth solve --energy`).
EnergyParams solver_study_params(PMapKind kind);

/// Runs /usr/bin/python3 experiments/scripts/plot_experiments.py SUB OUT; where
/// python3 or matplotlib is missing prints a warning and returns false.
bool plot(const DriverOptions& o, const std::string& sub, const fs::path& dir);

/// "W x H" text and friends.
std::string size_text(const Image<float>& image);

/// Mean colour shift |mean_c(T) − mean_c(I)| averaged over c (0–255).
double mean_colour_shift(const Image<float>& t, const Image<float>& input);

}  // namespace ismooth::experiments
