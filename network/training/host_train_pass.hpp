#pragma once
// Internal to ismooth::network: the training pass on host images, the
// default of Network::train_pass and what over-fitting runs (it needs T).

#include "ismooth/network/network.hpp"
#include "ismooth/network/training_loss.hpp"

namespace ismooth::network::detail {

/// forward(loss.input()) into `t`, loss.evaluate(t, &dt), and, when the
/// terms, T and dL/dT are finite (`*finite`), backward(dt) into `gradients`.
EnergyTerms host_train_pass(Network& net, const TrainingLoss& loss, Image<float>& t,
                            Image<float>& dt, Parameters& gradients, bool* finite);

}  // namespace ismooth::network::detail
