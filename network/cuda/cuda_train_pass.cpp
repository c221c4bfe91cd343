// The CUDA engine's training pass on the paper's energy (cuda_train_pass.hpp).
#include "cuda/cuda_train_pass.hpp"

#include <cmath>

namespace ismooth::network::cuda {

namespace {

bool all_finite(const Parameters& p) {
  for (const NamedTensor& t : p)
    for (float v : t.values)
      if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

EnergyTerms DeviceTrainPass::run(const SmoothingEnergy<float>& descend,
                                 const SmoothingEnergy<float>& reported, Parameters& gradients,
                                 bool* finite) {
  auto stream = static_cast<cudaStream_t>(net_.stream_handle());
  if (descend_)
    descend_->assign(descend);
  else
    descend_.emplace(descend, stream);
  const Extent image{descend_->height(), descend_->width()};
  const std::size_t bytes = 3 * std::size_t(image.height) * image.width * sizeof(float);
  t_.resize(bytes);
  dt_.resize(bytes);
  net_.forward_device(descend_->device_input(), image, t_.as<float>());
  EnergyTerms terms = descend_->evaluate(t_.as<float>(), dt_.as<float>());
  if (&reported != &descend) {
    if (reported_)
      reported_->assign(reported);
    else
      reported_.emplace(reported, stream);
    terms = reported_->evaluate(t_.as<float>(), nullptr);
  }
  *finite = std::isfinite(terms.total);
  if (*finite) {
    net_.backward_device(dt_.as<float>(), image, gradients, nullptr);
    // A non-finite T or dT shows up in the parameter gradients.
    *finite = all_finite(gradients);
  }
  return terms;
}

}  // namespace ismooth::network::cuda
