// Adam on the network's parameters (adam_optimizer.hpp).
#include "ismooth/network/adam_optimizer.hpp"

#include <cmath>

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
  else if (!(std::isfinite(epsilon) && epsilon > 0))
    why = "epsilon must be finite and > 0, got " + std::to_string(epsilon);
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

double scheduled_learning_rate(double learning_rate, LearningRateSchedule schedule, std::int64_t t,
                               std::int64_t total) {
  if (schedule == LearningRateSchedule::constant || total <= 0) return learning_rate;
  const double pi = 3.14159265358979323846;
  return learning_rate * 0.5 * (1 + std::cos(pi * double(t - 1) / double(total)));
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
  const double c1 = 1 - std::pow(s.beta1, double(t_));
  const double c2 = 1 - std::pow(s.beta2, double(t_));
  double moved = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    float* theta = params[i].data();
    const float* g = gradients[i].data();
    float* m = m_[i].data();
    float* v = v_[i].data();
    for (std::size_t k = 0; k < params[i].size(); ++k) {
      const double gk = g[k];
      const double mk = s.beta1 * double(m[k]) + (1 - s.beta1) * gk;
      const double vk = s.beta2 * double(v[k]) + (1 - s.beta2) * gk * gk;
      m[k] = float(mk);
      v[k] = float(vk);
      const float old = theta[k];
      theta[k] = float(double(old) - learning_rate * (mk / c1) / (std::sqrt(vk / c2) + s.epsilon));
      const double d = double(theta[k]) - double(old);
      moved += d * d;
    }
  }
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
