#pragma once
/// \file
/// Training the smoothing network with the energy as its loss (paper Sec. 3.3,
/// docs/spec/network.md) — or with any loss of training_loss.hpp, a user's own
/// DifferentiableObjective included — and over-fitting it to one image
/// (overfit.hpp). Both return the same Summary as the per-image solvers
/// (summary.hpp), one record per iteration, so an experiment plots them
/// beside IRLS, Adam and L-BFGS.
///
///     TrainerOptions o;  o.config = NetworkConfig::tiny(16, {2, 2, 1, 1});
///     ImageSet train = ImageSet::load("photos/train", o.max_short_side);
///     Model model;
///     Summary s = train_network(o, train, &val, &model);
///
/// One step (batch size 1; with TrainerOptions::batch N the gradients of N
/// crops are averaged before the Adam step): take the step's crop I (training_data.hpp), build
/// its loss (TrainerOptions::loss; by default the energy E of the preset with
/// the guidance and structure edges B of the crop, presets.hpp), T255 =
/// net(I255), evaluate E(T255) and ∂E/∂T255 (the exact or the clipped
/// gradient, EnergyParams::gradient, docs/spec/energy.md §10), backpropagate to ∂E/∂θ
/// (Network::train_pass: on the GPU with the CUDA engine) and take one Adam
/// step (adam_optimizer.hpp). The energy in every record is the **exact**
/// one (ε = 0) whatever the gradient mode; with a user's loss it is that
/// loss, its terms NaN.
///
/// The parts, each in its file under network/training/: the loss
/// (paper_loss.cpp), the pass (host_train_pass.cpp, the engines'
/// train_pass), validation (validation.cpp), the run's identity and model
/// metadata (run_settings.cpp), checkpoints (run_checkpoint.cpp), and the
/// loop (train_network.cpp).
///
/// Records (the per-image solvers' convention: record k describes the
/// iterate after k updates). Record k holds the exact energy, terms and L2
/// fraction of the crop of step k (0-based; with a batch, their means over
/// the step's N crops) under θ_k — the loss that update
/// k + 1 then follows — with gradient_norm = ‖∂E/∂θ‖₂ there, step_norm =
/// ‖θ_k − θ_{k−1}‖₂, seconds of training so far, and extras:
///   "epoch"              k / steps_per_epoch (fractional epochs done)
///   "image"              index of the crop's image in the training set (the
///                        step's first crop)
///   "learning_rate"      Adam's lr
///   "images_per_second"  training throughput of this process so far
///   "eta_seconds"        estimated time to the end
///   the step's time split, wall seconds (not part of a resume's identity):
///   "network_seconds"    forward and backward (train_pass less the energy)
///   "energy_seconds"     E(T) and ∂E/∂T (TrainingLoss::evaluate; 0 where the
///                        engine evaluates the energy itself, CUDA)
///   "update_seconds"     the Adam step and weight reorders that made θ_k
///   "prepare_seconds"    the crop and its loss (B, guidance), prepared on a
///                        helper thread during step k − 1 (overlapped; a
///                        user's TrainerOptions::loss in turn, not ahead)
///   "wait_seconds"       how long step k waited for that preparation
///   "reduce_seconds"     the sums over the ranks (gradients and terms; 0
///                        alone), waiting for the slowest rank included
///   "val_energy", "val_data", "val_flatten", "val_edge", "val_l2_fraction"
///                        at epoch boundaries (k a multiple of
///                        steps_per_epoch, k = 0 included): mean exact energy
///                        and terms of the validation crops under θ_k.
/// A run of E epochs of P steps has E·P updates and records 0 … E·P; the last
/// is evaluated on the crop step E·P would use (the next epoch's first).
///
/// A property of the energy that dominates training on many photos: the L2
/// mask rule "E_i(I) = 0 and E_i(T) > E_i(I)" (docs/spec/energy.md §5) has no
/// tolerance, so on pixels where the photo is exactly flat (saturated or
/// black areas) any output that is not bit-identical to I there — float
/// rounding included — switches the dilated area to the quadratic penalty
/// with α·w^s weights. The trainer logs this energy as it is; T = I is then
/// an isolated low point (how often and how much on the training photos:
/// docs/network.md, "What the first training runs taught us").
///
/// Interrupting: set *TrainerOptions::interrupt (e.g. from a SIGINT handler);
/// the trainer finishes the current step, writes the checkpoint and returns
/// with termination user_abort. A callback returning stop_with_success does the
/// same with user_success (and the final model is still returned).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "ismooth/energy_params.hpp"
#include "ismooth/network/adam_optimizer.hpp"
#include "ismooth/network/gradient_reducer.hpp"
#include "ismooth/network/model_file.hpp"
#include "ismooth/network/network.hpp"
#include "ismooth/network/overfit.hpp"
#include "ismooth/network/training_data.hpp"
#include "ismooth/network/training_loss.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/summary.hpp"

namespace ismooth::network {

/// The energy parameters training uses by default: preset_params(preset)
/// with the clipped gradient (docs/spec/energy.md §10), as the authors trained
/// (docs/spec/network.md); the exact gradient entered the L2 regime more
/// often on tiny networks (docs/network.md). The logged energy is exact
/// either way.
EnergyParams default_training_params(Preset preset);

/// Zeroes the weight and bias of `config`'s last (output) convolution.
void zero_output_layer(Parameters& params, const NetworkConfig& config);

/// Options of train_network. Stopping: after epochs · steps_per_epoch updates
/// (termination no_convergence, the budget done), when the callback asks
/// (user_success / user_abort), on *interrupt (user_abort), or on a
/// non-finite energy or gradient (failure; θ and the checkpoint are left at
/// the last finite state).
struct TrainerOptions {
  // ---- data (the sets themselves are train_network's arguments)
  int max_short_side = 512;  ///< load scale of the ImageSets (for the CLI; recorded)
  int crop = 224;            ///< S: training crops are S × S (paper: 224)
  bool flip = true;          ///< random left–right mirroring
  int epochs = 30;           ///< paper: 30
  /// Updates per epoch; 0 = one pass over the training images (their count
  /// divided by the batch, rounded up).
  std::int64_t steps_per_epoch = 0;
  /// N, crops per update: each update applies the mean gradient of N crops
  /// (gradient accumulation; each crop keeps its own BN statistics, as the
  /// paper's batch of 1). Crop j of step s is crop s·N + j of the sampling
  /// sequence (training_data.hpp, steps_per_epoch·N crops an epoch), so it
  /// is a function of (seed, s, j). 0 = the number of ranks (1 alone).
  /// Part of the run's identity when not 1: a resume needs the same N,
  /// whatever the number of ranks.
  int batch = 0;
  /// Validation crops: the centred min(V, side) window of each validation
  /// image; 0 = V is `crop`; −1 = whole images.
  int val_crop = 0;
  std::uint64_t seed = 0;  ///< initial weights, data order, crops and flips

  // ---- network
  NetworkConfig config = NetworkConfig::paper();
  InitScheme init = InitScheme::uniform_code;
  /// Departure from the authors' code: the last convolution (1×1, width → 3)
  /// starts at 0 weight and bias, so the first output is T = I exactly (the
  /// per-image solvers' starting point) and not I plus the ≈ 1.3-level noise
  /// a random last layer adds. Under the adaptive energy that noise puts
  /// flat regions into the L2 mask (E(T) − E(I) > c2), which multiplies the
  /// energy many times over and is slow to undo (the zero start's
  /// comparison with the random one: docs/network.md, "Training"). The
  /// gradient of the last layer is not zero, so training moves away from
  /// T = I at once.
  /// Off = the authors' start.
  bool zero_output_layer = true;
  /// Start from these weights (e.g. a model trained on another energy: a
  /// warm start) instead of initialising; `initial_name` names them in the
  /// run's settings, so a resume must present the same start.
  std::optional<Parameters> initial;
  std::string initial_name;
  /// The engine; engine.precision bf16 on the CPU is mixed precision (bf16
  /// forward and backward; fp32 weights, gradients, Adam state and loss) and
  /// is part of the run's identity: a resume needs the same precision.
  EngineOptions engine;

  // ---- loss: the energy of the preset (background and foreground need a
  // foreground mask on every photo of the sets: foreground_masks.hpp) with `params` (start from
  // default_training_params(preset)); params.gradient picks exact or clipped, and
  // params.epsilon > 0 smooths the gradient only (logs stay exact).
  Preset preset = Preset::smoothing;
  EnergyParams params = default_training_params(Preset::smoothing);
  PMapKind pmap = PMapKind::adaptive;  ///< adaptive (Eq. 8), all_l2, all_lp, half
  /// When set, the loss of every training and validation crop instead of
  /// the preset's energy (preset, params and pmap are then unused), e.g.
  /// make_loss(crop, WeightedSum{...}) with a user's term (training_loss.hpp).
  /// Built on the caller's thread; the default paper loss is instead
  /// prepared one step ahead on a helper thread (train_network.cpp).
  LossFactory loss;
  /// Names `loss` in the run's settings and the model's metadata, so a
  /// resume must present the same loss; required with `loss`.
  std::string loss_name;

  AdamSettings adam;  ///< docs/spec/network.md: lr 0.01, β 0.9 / 0.999, ε 1e-8
  /// constant (the paper) or cosine decay over all epochs·steps_per_epoch
  /// updates (then the epoch count is part of the run's identity on resume).
  LearningRateSchedule schedule = LearningRateSchedule::constant;

  // ---- checkpoints and output
  std::filesystem::path checkpoint;  ///< empty: no checkpoints (interrupts then lose the run)
  /// Continue from `checkpoint`, which must exist and hold the same settings
  /// (all but `epochs`, which may grow): the result is bit-identical to an
  /// uninterrupted run on the same machine and thread count.
  bool resume = false;
  /// A checkpoint is written at each epoch end, on an interrupt, and when this
  /// many seconds passed since the last one (0 = never by time) ...
  double checkpoint_seconds = 300;
  /// ... and every this many updates (0 = never by count).
  std::int64_t checkpoint_steps = 0;
  /// Written atomically when all epochs are done (or a callback stopped with
  /// success); empty = not written.
  std::filesystem::path model_out;

  // ---- data parallelism (gradient_reducer.hpp)
  /// The ranks training together (null: this process alone). Each computes
  /// the gradients of its N / R crops of a step, one in-place sum combines
  /// them and every rank takes the same Adam step; validation crops are
  /// split too. Rank 0 alone calls `callback` and `log` (its answers count
  /// for every rank) and writes the checkpoint and model_out. Every rank
  /// must pass the same options (checked before any work).
  GradientReducer* reducer = nullptr;

  // ---- reporting
  IterationCallback callback;                    ///< every new record
  std::function<void(const std::string&)> log;   ///< notes: resumed, checkpoint written, ...
  const std::atomic<bool>* interrupt = nullptr;  ///< polled once per step

  /// True when usable; otherwise `*error` says what is not.
  bool IsValid(std::string* error = nullptr) const;
};

/// Trains a network on `train`, validating on `val` (may be null) at each
/// epoch boundary. Returns the Summary (solver "cnn"); the final network (θ
/// of the last record, with metadata of the run) goes to `*model` if given
/// and to options.model_out. Throws ismooth::Error for invalid options, an
/// unreadable or mismatching checkpoint on resume, or an unwritable file.
Summary train_network(const TrainerOptions& options, const ImageSet& train, const ImageSet* val,
                      Model* model = nullptr);

/// The settings a checkpoint records and a resume compares (key → value).
std::map<std::string, std::string> training_settings(const TrainerOptions& options,
                                                     const ImageSet& train, const ImageSet* val);

/// energy_params.hpp's, under the name the trainer's callers use.
using ismooth::describe_energy_params;

}  // namespace ismooth::network
