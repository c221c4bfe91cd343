#pragma once
// One cached run of a per-image solver, the trained CNN or the over-fitted
// CNN on one test image and one energy: the Summary (every record) as CSV
// under OUT/cache/runs/, and where asked the output image beside it.

#include <optional>
#include <string>

#include "drivers/driver_options.hpp"
#include "drivers/progress.hpp"
#include "drivers/result_cache.hpp"
#include "drivers/test_images.hpp"
#include "ismooth/energy_params.hpp"
#include "ismooth/l2_mask.hpp"
#include "ismooth/network/model_file.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/summary.hpp"

namespace ismooth::experiments {

/// What a run minimises: a p map and its parameters, with a name for files.
struct EnergySpec {
  std::string name;  ///< l2, l08, half, adaptive, or a driver's label
  PMapKind kind = PMapKind::adaptive;
  EnergyParams params;
};

/// Energy parameters of the solver study: the smoothing preset, λ_e = 0 for
/// fixed maps (as `ismooth solve --energy`).
EnergyParams solver_study_params(PMapKind kind);

/// The energy map names of the solver study, as `--energy` spells them.
EnergySpec fixed_energy(const std::string& name);

/// A trained network with an identifier (its cache file name) for cache keys.
struct CachedModel {
  network::Model model;
  std::string id;
};

/// Iteration budgets of the per-image solvers (quick: a few each).
struct SolverBudget {
  int irls = 10, adam = 100, lbfgs = 100, overfit = 300;
  double overfit_lr = 1e-3;
  bool overfit_from_trained = true;
  std::string device = "cpu";  ///< engine of the cnn and cnn-overfit runs (--device)
};
SolverBudget solver_budget(const DriverOptions& o);

/// Runs (or loads) `solver` ∈ {irls, adam, lbfgs, cnn, cnn-overfit} on `image`.
/// `model` is needed for cnn (and cnn-overfit when it starts from the trained
/// weights). The final image is cached as PNG beside the CSV (0–255,
/// rounded) and returned in `output` if given; cache_png() names it. Throws Interrupted on Ctrl-C.
Summary run_cached(const DriverOptions& o, ResultCache& cache, Progress& progress,
                   const TestImage& image, const EnergySpec& energy, const std::string& solver,
                   const SolverBudget& budget, const CachedModel* model,
                   Image<float>* output = nullptr);

/// The PNG of a run's final image, for a driver that shows it.
fs::path run_png(const ResultCache& cache, const TestImage& image, const EnergySpec& energy,
                 const std::string& solver, const SolverBudget& budget, const CachedModel* model);

/// The energy of the run (smoothing preset, `energy`'s map and parameters).
SmoothingEnergy<float> build_energy(const TestImage& image, const EnergySpec& energy);

}  // namespace ismooth::experiments
