#pragma once
// The options of `ismooth experiment` (experiment.cpp registers the flags)
// and the full runs' default sizes. Every driver takes the whole set and
// uses what concerns it.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

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
  std::string name;          ///< fig6, fig5_7, adaptive, fig9, table1, fig10, ..., fig13
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
  /// default) or exact (docs/spec/energy.md §10). Over-fitting always uses the exact one.
  std::string gradient = "clipped";
  /// fig12, fig13: NAME=FILE values of --use-model, the file to run as the
  /// trained model NAME (texture, background, foreground, smoothing) in
  /// place of the shipped one (drivers/method_models.hpp).
  std::vector<std::string> use_models;
};

}  // namespace ismooth::experiments
