#pragma once
// Internal to ismooth::network: the trainer's validation (trainer.hpp,
// "val_*" extras): the centred crops of the validation images with their
// losses, built once per run by the run's own loss factory.

#include <memory>
#include <vector>

#include "ismooth/network/gradient_reducer.hpp"
#include "ismooth/network/network.hpp"
#include "ismooth/network/training_data.hpp"
#include "ismooth/network/training_loss.hpp"

namespace ismooth::network::detail {

class Validation {
 public:
  Validation() = default;  ///< no validation set
  /// The centred min(side, size) window of every image of `val` (size −1:
  /// whole images) and its loss from `loss`.
  Validation(const ImageSet& val, int size, const LossFactory& loss);

  bool empty() const { return losses_.empty(); }

  /// Mean reported loss and terms of the crops under the network's current
  /// weights (inference, no state for backward). With `ranks`, each rank
  /// evaluates every R-th crop and the sums are reduced (a collective).
  EnergyTerms mean(Network& net, GradientReducer* ranks = nullptr) const;

 private:
  std::vector<std::unique_ptr<TrainingLoss>> losses_;
};

}  // namespace ismooth::network::detail
