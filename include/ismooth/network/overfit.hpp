#pragma once
/// \file
/// Over-fitting the network to one image (the paper's "CNN-overfit" solver of
/// Sec. 5.2): Adam on θ of T255 = net(I255) for the loss of that one image —
/// the paper's energy, or any DifferentiableObjective (objective.hpp) through
/// training_loss.hpp. Returns the same Summary as the per-image solvers
/// (summary.hpp).
///
///     OverfitOptions o;  o.config = NetworkConfig::tiny(16, {1, 2, 4, 1});
///     Summary s = overfit_network(o, energy, t);              // the paper's
///     Summary u = overfit_network(o, input, my_objective, t);  // anyone's

#include <atomic>
#include <cstdint>
#include <optional>

#include "ismooth/network/adam_optimizer.hpp"
#include "ismooth/network/network.hpp"
#include "ismooth/network/training_loss.hpp"
#include "ismooth/summary.hpp"

namespace ismooth::network {

/// Options of overfit_network. Stopping: max_iterations updates
/// (no_convergence), function_tolerance (convergence), the callback,
/// *interrupt (user_abort), a non-finite energy (failure; output keeps the
/// last finite iterate).
struct OverfitOptions {
  NetworkConfig config = NetworkConfig::paper();
  InitScheme init = InitScheme::uniform_code;
  std::uint64_t seed = 0;  ///< initial weights (unless `initial`)
  /// Start with the output layer's weights and bias at 0, so T = I (see
  /// TrainerOptions::zero_output_layer). Ignored with `initial`.
  bool zero_output_layer = true;
  /// Start from these weights (e.g. a trained model's) instead of initialising.
  std::optional<Parameters> initial;
  AdamSettings adam;  ///< docs/spec/network.md's defaults
  /// constant (the paper's Adam) or cosine decay over max_iterations: the
  /// adaptive energy jumps where pixels enter the L2 mask, and a decaying
  /// step lets the last iterations settle instead of jumping across.
  LearningRateSchedule schedule = LearningRateSchedule::constant;
  int max_iterations = 500;  ///< Adam steps on the one image
  /// Stop when |E_{k−1} − E_k| ≤ tol·|E_{k−1}| (0 = run all iterations).
  double function_tolerance = 0;
  EngineOptions engine;
  IterationCallback callback;
  const std::atomic<bool>* interrupt = nullptr;

  bool IsValid(std::string* error = nullptr) const;
};

/// Over-fits a network to the one image of `loss` (its input I255): every
/// iteration is a forward pass on the whole image, the loss and dL/dT255, a
/// backward pass (on the host, whatever the engine) and an Adam step.
/// Record k is L(T(θ_k)) with its terms (as loss.evaluate reports them), the
/// gradient norm ‖∂L/∂θ‖₂, step_norm ‖T_k − T_{k−1}‖₂ (of the output image,
/// as the per-image solvers), and extras "learning_rate" and
/// "parameter_step" (‖θ_k − θ_{k−1}‖₂). `output` receives T255 of the final
/// record (0–255 scale, not post-processed, not clamped); `final_parameters`
/// its θ if given. Solver name "cnn-overfit".
Summary overfit_network(const OverfitOptions& options, const TrainingLoss& loss,
                        Image<float>& output, Parameters* final_parameters = nullptr);

/// The same for the paper's energy of its input, reported as `energy`
/// evaluates it (exact when energy.params().epsilon is 0, as presets build
/// it), its gradient energy.params().gradient.
Summary overfit_network(const OverfitOptions& options, const SmoothingEnergy<float>& energy,
                        Image<float>& output, Parameters* final_parameters = nullptr);

/// The same for any DifferentiableObjective f over images of `input`'s size,
/// e.g. a WeightedSum of the paper's energy and a user's term; the records'
/// terms are NaN but the energy (f).
template <class F>
requires DifferentiableObjective<F, Image<float>> Summary
overfit_network(const OverfitOptions& options, const Image<float>& input, const F& f,
                Image<float>& output, Parameters* final_parameters = nullptr) {
  return overfit_network(options, ObjectiveLoss<F>(input, f), output, final_parameters);
}

}  // namespace ismooth::network
