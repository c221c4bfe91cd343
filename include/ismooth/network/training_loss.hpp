#pragma once
/// \file
/// What the network trainer minimises: a loss per training crop, built by a
/// factory from the crop (after ensmallen's FunctionType, objective.hpp), so
/// the paper's energy of a preset, a user's own DifferentiableObjective term,
/// or a WeightedSum of both trains the network unchanged:
///
///     TrainerOptions o;
///     o.loss = [](Image<float> crop) {
///       DataTerm<float> data(crop);
///       return make_loss(std::move(crop), WeightedSum{Weighted{1.0, data},
///                                                     Weighted{0.5, MySmoothness{}}});
///     };
///     o.loss_name = "data + 0.5 smoothness";
///
/// Units: T and dL/dT are (3, H, W) images on the **0–255 scale**, as the
/// network outputs them (network.hpp). Terms follow summary.hpp: total is
/// the loss; data, flatten, edge and l2_fraction are the paper's energy's
/// terms, and NaN for any other objective (a user's term has no breakdown).
///
/// The paper's loss also exposes its SmoothingEnergy (paper_energy()), so an
/// engine with its own evaluation of that energy (the CUDA engine keeps T and
/// dL/dT on the GPU) can use it; every other loss runs on the host
/// (Network::train_pass).

#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

#include "ismooth/objective.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/smoothing_energy.hpp"

namespace ismooth::network {

/// The loss of one crop.
class TrainingLoss {
 public:
  virtual ~TrainingLoss() = default;

  /// The crop I255 (3, H, W), 0–255: what the network is given.
  virtual const Image<float>& input() const = 0;

  /// The loss at T255 and its reported terms (\file); if `dt` is not null,
  /// dL/dT255 into *dt (resized to t's shape, overwritten).
  virtual EnergyTerms evaluate(const Image<float>& t, Image<float>* dt) const = 0;

  /// When the loss is the paper's energy: the energy whose gradient a step
  /// follows (it may smooth ρ, EnergyParams::epsilon > 0). Null otherwise.
  virtual const SmoothingEnergy<float>* paper_energy() const { return nullptr; }
  /// ... and the energy whose terms evaluate() reports: the exact one (ε = 0)
  /// where paper_energy() smooths, else paper_energy() itself.
  virtual const SmoothingEnergy<float>* reported_energy() const { return paper_energy(); }
};

/// Builds the loss of a training or validation crop (3, H, W), 0–255; a
/// crop of a set with foreground masks is (4, H, W), plane 3 being F (0/1)
/// (ImageSet::crop), and the loss's input() must then be the RGB planes.
using LossFactory = std::function<std::unique_ptr<TrainingLoss>(Image<float> crop)>;

/// Terms with every breakdown NaN: a loss that is not the paper's energy.
inline EnergyTerms loss_terms(double total) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EnergyTerms terms;
  terms.data = terms.flatten = terms.edge = terms.l2_fraction = nan;
  terms.total = total;
  return terms;
}

/// Any DifferentiableObjective over Image<float> (objective.hpp) as the loss
/// of the crop `input`; its terms are NaN but the total.
template <class F>
requires DifferentiableObjective<F, Image<float>>
class ObjectiveLoss final : public TrainingLoss {
 public:
  ObjectiveLoss(Image<float> input, F objective)
      : input_(std::move(input)), objective_(std::move(objective)) {}

  const Image<float>& input() const override { return input_; }

  EnergyTerms evaluate(const Image<float>& t, Image<float>* dt) const override {
    return loss_terms(dt != nullptr ? ismooth::evaluate_with_gradient(objective_, t, *dt)
                                    : ismooth::evaluate(objective_, t));
  }

  const F& objective() const { return objective_; }

 private:
  Image<float> input_;
  F objective_;
};

/// The paper's energy as the loss of its own input. With `reported` (the
/// same energy with ε = 0) the step follows `descend`'s gradient and the
/// terms are `reported`'s; without, both are `descend`'s.
class PaperLoss final : public TrainingLoss {
 public:
  explicit PaperLoss(SmoothingEnergy<float> descend,
                     std::optional<SmoothingEnergy<float>> reported = std::nullopt)
      : descend_(std::move(descend)), reported_(std::move(reported)) {}

  const Image<float>& input() const override { return descend_.input(); }
  EnergyTerms evaluate(const Image<float>& t, Image<float>* dt) const override;
  const SmoothingEnergy<float>* paper_energy() const override { return &descend_; }
  const SmoothingEnergy<float>* reported_energy() const override {
    return reported_ ? &*reported_ : &descend_;
  }

 private:
  SmoothingEnergy<float> descend_;
  std::optional<SmoothingEnergy<float>> reported_;
};

/// A user's objective as the loss of the crop `input`.
template <class F>
requires DifferentiableObjective<F, Image<float>> std::unique_ptr<TrainingLoss> make_loss(
    Image<float> input, F objective) {
  return std::make_unique<ObjectiveLoss<F>>(std::move(input), std::move(objective));
}

/// The paper's energy as a loss (its input is the crop): reported with its
/// terms, exactly as the energy evaluates them.
inline std::unique_ptr<TrainingLoss> make_loss(SmoothingEnergy<float> energy) {
  return std::make_unique<PaperLoss>(std::move(energy));
}

/// The energy of `preset` on `crop` with `params` and `pmap` (guidance and
/// structure edges of the crop, presets.hpp; background and foreground take
/// F from the crop's 4th plane and refuse a crop without one). The step follows params' gradient
/// (exact or clipped; smoothed where params.epsilon > 0); the terms reported
/// are always the exact energy's (ε = 0).
std::unique_ptr<TrainingLoss> make_paper_loss(Image<float> crop, Preset preset,
                                              const EnergyParams& params, PMapKind pmap);

/// make_paper_loss of every crop: the trainer's loss unless
/// TrainerOptions::loss replaces it.
LossFactory paper_loss_factory(Preset preset, const EnergyParams& params, PMapKind pmap);

}  // namespace ismooth::network
