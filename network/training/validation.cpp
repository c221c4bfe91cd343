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

EnergyTerms Validation::mean(Network& net) const {
  EnergyTerms mean;
  Image<float> t;
  for (const std::unique_ptr<TrainingLoss>& loss : losses_) {
    net.infer(loss->input(), t);
    const EnergyTerms x = loss->evaluate(t, nullptr);
    mean.total += x.total;
    mean.data += x.data;
    mean.flatten += x.flatten;
    mean.edge += x.edge;
    mean.l2_fraction += x.l2_fraction;
  }
  const double n = double(losses_.size());
  mean.total /= n;
  mean.data /= n;
  mean.flatten /= n;
  mean.edge /= n;
  mean.l2_fraction /= n;
  return mean;
}

}  // namespace ismooth::network::detail
