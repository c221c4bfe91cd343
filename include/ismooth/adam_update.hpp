#pragma once
/// \file
/// Adam's element-wise update (Kingma & Ba 2015), the one both Adams of
/// ismooth apply: the per-image solver (solvers/adam.hpp; moments in double)
/// and the network trainer (network/adam_optimizer.hpp; moments stored in
/// fp32 like PyTorch's Adam for fp32 weights).
///
/// At step t = 1, 2, ... with gradient g, per value:
///     m ← β1·m + (1−β1)·g,   v ← β2·v + (1−β2)·g²
///     x ← x − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
/// (PyTorch's placement of ε). The update is computed in double from the
/// stored moments and rounded once into each of x, m and v, so float moments
/// and float values lose nothing in the arithmetic itself, and a state
/// (x, m, v, t) saved bit for bit continues bit for bit.

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace ismooth {

/// The constants of one Adam step: its learning rate (after the schedule,
/// learning_rate_schedule.hpp), the decays and ε, and the bias corrections.
struct AdamStepConstants {
  double learning_rate = 0;
  double beta1 = 0.9, beta2 = 0.999, denominator_epsilon = 1e-8;
  double correction1 = 1;  ///< 1 − β1^t
  double correction2 = 1;  ///< 1 − β2^t
};

/// The constants of step t (1-based).
inline AdamStepConstants adam_step_constants(double learning_rate, double beta1, double beta2,
                                             double denominator_epsilon, std::int64_t t) {
  return {learning_rate,
          beta1,
          beta2,
          denominator_epsilon,
          1 - std::pow(beta1, double(t)),
          1 - std::pow(beta2, double(t))};
}

/// Applies one step to the n values x[k] with gradients g[k] and moments m[k],
/// v[k] (Moment: float or double storage; Value: the values' scalar), and adds
/// Σ (Δx as stored)² to `moved_squared`. The caller checks that g is finite.
template <class Grad, class Moment, class Value>
void adam_update(const AdamStepConstants& s, const Grad* g, Moment* m, Moment* v, Value* x,
                 std::size_t n, double& moved_squared) {
  // In chunks: the update itself has no dependence between values, so the
  // compiler can vectorise it (sqrt and division included: the same bits;
  // GCC needs -fno-math-errno for the sqrt, as network/CMakeLists.txt gives
  // the trainer's Adam), and the running sum, which would stop that,
  // follows per chunk in the same order as ever.
  constexpr std::size_t kChunk = 64;
  double step_squared[kChunk];
  for (std::size_t k0 = 0; k0 < n; k0 += kChunk) {
    const std::size_t count = n - k0 < kChunk ? n - k0 : kChunk;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t k = k0 + i;
      const double gk = double(g[k]);
      const double mk = s.beta1 * double(m[k]) + (1 - s.beta1) * gk;
      const double vk = s.beta2 * double(v[k]) + (1 - s.beta2) * gk * gk;
      m[k] = Moment(mk);
      v[k] = Moment(vk);
      const Value old = x[k];
      x[k] = Value(double(old) - s.learning_rate * (mk / s.correction1) /
                                     (std::sqrt(vk / s.correction2) + s.denominator_epsilon));
      const double d = double(x[k]) - double(old);
      step_squared[i] = d * d;
    }
    for (std::size_t i = 0; i < count; ++i) moved_squared += step_squared[i];
  }
}

}  // namespace ismooth
