// Adam on the network's parameters (adam_optimizer.hpp).
#include "ismooth/network/adam_optimizer.hpp"

#include <cmath>

#include "ismooth/adam_update.hpp"
#include "ismooth/error.hpp"

namespace ismooth::network {

bool AdamSettings::IsValid(std::string* error) const {
  std::string why;
  if (!(std::isfinite(learning_rate) && learning_rate > 0))
    why = "learning_rate must be finite and > 0, got " + std::to_string(learning_rate);
  else if (!(beta1 >= 0 && beta1 < 1))
    why = "beta1 must be in [0, 1), got " + std::to_string(beta1);
  else if (!(beta2 >= 0 && beta2 < 1))
    why = "beta2 must be in [0, 1), got " + std::to_string(beta2);
  else if (!(std::isfinite(denominator_epsilon) && denominator_epsilon > 0))
    why = "denominator_epsilon must be finite and > 0, got " + std::to_string(denominator_epsilon);
  if (error != nullptr) *error = why;
  return why.empty();
}

namespace {

Parameters zeros_like(const Parameters& like) {
  Parameters p = like;
  p.fill(0.0f);
  return p;
}

}  // namespace

AdamOptimizer::AdamOptimizer(const Parameters& like, const AdamSettings& settings)
    : settings_(settings), m_(zeros_like(like)), v_(zeros_like(like)) {
  std::string why;
  if (!settings.IsValid(&why)) fail("AdamOptimizer: ", why);
}

double AdamOptimizer::step(Parameters& params, const Parameters& gradients) {
  return step(params, gradients, settings_.learning_rate);
}

double AdamOptimizer::step(Parameters& params, const Parameters& gradients, double learning_rate) {
  require(std::isfinite(learning_rate) && learning_rate >= 0, "AdamOptimizer::step: learning rate ",
          learning_rate, " must be finite and >= 0");
  require(params.same_layout(m_) && gradients.same_layout(m_),
          "AdamOptimizer::step: parameters or gradients do not have the optimiser's layout");
  for (const NamedTensor& g : gradients)
    for (float x : g.values)
      if (!std::isfinite(x)) return std::nan("");
  ++t_;
  const AdamSettings& s = settings_;
  const AdamStepConstants constants =
      adam_step_constants(learning_rate, s.beta1, s.beta2, s.denominator_epsilon, t_);
  double moved = 0;  // one running sum over every tensor
  for (std::size_t i = 0; i < params.size(); ++i)
    adam_update(constants, gradients[i].data(), m_[i].data(), v_[i].data(), params[i].data(),
                params[i].size(), moved);
  return std::sqrt(moved);
}

void AdamOptimizer::restore(Parameters m, Parameters v, std::int64_t t) {
  require(m.same_layout(m_) && v.same_layout(v_),
          "AdamOptimizer::restore: the moments do not have the optimiser's layout");
  require(t >= 0, "AdamOptimizer::restore: step count ", t, " < 0");
  for (const NamedTensor& x : m)
    for (float value : x.values)
      require(std::isfinite(value), "AdamOptimizer::restore: first moment of ", x.name,
              " is not finite");
  for (const NamedTensor& x : v)
    for (float value : x.values)
      require(std::isfinite(value) && value >= 0, "AdamOptimizer::restore: second moment of ",
              x.name, " holds ", value, " (must be finite and >= 0)");
  m_ = std::move(m);
  v_ = std::move(v);
  t_ = t;
}

double l2_norm(const Parameters& p) {
  double sum = 0;
  for (const NamedTensor& t : p)
    for (float x : t.values) sum += double(x) * double(x);
  return std::sqrt(sum);
}

}  // namespace ismooth::network
