// The training pass on host images (host_train_pass.hpp), the default of
// Network::train_pass.
#include "training/host_train_pass.hpp"

#include <cmath>

namespace ismooth::network {

namespace detail {

namespace {

bool all_finite(const Image<float>& x) {
  for (float v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

EnergyTerms host_train_pass(Network& net, const TrainingLoss& loss, Image<float>& t,
                            Image<float>& dt, Parameters& gradients, bool* finite) {
  net.forward(loss.input(), t);
  const EnergyTerms terms = loss.evaluate(t, &dt);
  *finite = std::isfinite(terms.total) && all_finite(dt) && all_finite(t);
  if (*finite) net.backward(dt, gradients);
  return terms;
}

}  // namespace detail

EnergyTerms Network::train_pass(const TrainingLoss& loss, Parameters& gradients, bool* finite) {
  return detail::host_train_pass(*this, loss, pass_t_, pass_dt_, gradients, finite);
}

}  // namespace ismooth::network
