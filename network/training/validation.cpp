// The trainer's validation (validation.hpp).
#include "training/validation.hpp"

#include <algorithm>

#include "training/record_terms.hpp"

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
    detail::add_terms(sums, losses_[i]->evaluate(t, nullptr));
  }
  if (ranks != nullptr) ranks->sum(sums);
  return mean_terms(sums, double(losses_.size()));
}

}  // namespace ismooth::network::detail
