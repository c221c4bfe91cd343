// The trainer's validation (validation.hpp).
#include "training/validation.hpp"

#include <algorithm>

namespace ismooth::network::detail {

Validation::Validation(const ImageSet& val, int size, const LossFactory& loss) {
  losses_.reserve(val.size());
  for (std::size_t i = 0; i < val.size(); ++i) {
    const ImageSet::Entry& e = val[i];
    const std::size_t h = size < 0 ? e.height : std::min<std::size_t>(e.height, std::size_t(size));
    const std::size_t w = size < 0 ? e.width : std::min<std::size_t>(e.width, std::size_t(size));
    losses_.push_back(loss(val.crop(i, (e.height - h) / 2, (e.width - w) / 2, h, w)));
  }
}

EnergyTerms Validation::mean(Network& net, GradientReducer* ranks) const {
  const std::size_t first = ranks != nullptr ? std::size_t(ranks->rank()) : 0;
  const std::size_t stride = ranks != nullptr ? std::size_t(ranks->size()) : 1;
  double sums[5] = {};  // total, data, flatten, edge, l2_fraction
  Image<float> t;
  for (std::size_t i = first; i < losses_.size(); i += stride) {
    net.infer(losses_[i]->input(), t);
    const EnergyTerms x = losses_[i]->evaluate(t, nullptr);
    const double terms[5] = {x.total, x.data, x.flatten, x.edge, x.l2_fraction};
    for (int k = 0; k < 5; ++k) sums[k] += terms[k];
  }
  if (ranks != nullptr) ranks->sum(sums);
  const double n = double(losses_.size());
  EnergyTerms mean;
  mean.total = sums[0] / n;
  mean.data = sums[1] / n;
  mean.flatten = sums[2] / n;
  mean.edge = sums[3] / n;
  mean.l2_fraction = sums[4] / n;
  return mean;
}

}  // namespace ismooth::network::detail
