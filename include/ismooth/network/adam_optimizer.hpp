#pragma once
/// \file
/// Adam on the network's parameters (docs/spec/network.md: lr 0.01, β1 0.9,
/// β2 0.999, ε 1e-8, batch size 1, no weight decay — the authors' Adam ignores
/// the weight decay it is given).
///
/// Update of every scalar θ at step t = 1, 2, ... with gradient g: the one
/// update of adam_update.hpp, shared with the per-image Adam (solvers/adam.hpp;
/// PyTorch's placement of ε). The authors' Torch7 `optim.adam` adds ε to √v before the
/// bias correction instead, i.e. uses ε·√(1−β2^t) in our form; the two differ
/// only where √v̂ is within a few ε of 0, i.e. for gradients below ~1e-7.
///
/// Precision: the moments are stored in fp32 (Parameters, like PyTorch's
/// Adam for fp32 weights), each update is computed in double and rounded once.
/// Everything is deterministic and element-wise, so a checkpoint holding θ, m,
/// v and t continues bit-identically.

#include <cstdint>
#include <string>

#include "ismooth/learning_rate_schedule.hpp"
#include "ismooth/network/parameters.hpp"

namespace ismooth::network {

/// Adam's hyper-parameters; the defaults are docs/spec/network.md's.
struct AdamSettings {
  double learning_rate = 0.01;  ///< constant; the paper uses no schedule
  double beta1 = 0.9;           ///< first-moment decay, in [0, 1)
  double beta2 = 0.999;         ///< second-moment decay, in [0, 1)
  double denominator_epsilon = 1e-8;  ///< Adam's ε, added to √v̂; > 0

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error = nullptr) const;
  bool operator==(const AdamSettings&) const = default;
};

/// The one schedule of ismooth (learning_rate_schedule.hpp), under the names
/// the trainer's callers use.
using ismooth::LearningRateSchedule;
using ismooth::scheduled_learning_rate;

/// Adam's state (m, v, t) for one Parameters layout, and the update.
class AdamOptimizer {
 public:
  /// Zero moments of `like`'s layout, t = 0. Throws ismooth::Error for
  /// invalid settings.
  AdamOptimizer(const Parameters& like, const AdamSettings& settings);

  /// One step: updates `params` in place from `gradients` (same layout).
  /// Returns ‖Δθ‖₂ as stored in fp32. If a gradient value is not finite,
  /// nothing changes (t included) and NaN is returned. Throws ismooth::Error
  /// if the layouts differ.
  double step(Parameters& params, const Parameters& gradients);
  /// The same with this step's learning rate instead of settings().learning_rate.
  double step(Parameters& params, const Parameters& gradients, double learning_rate);

  const AdamSettings& settings() const { return settings_; }
  const Parameters& first_moment() const { return m_; }   ///< m
  const Parameters& second_moment() const { return v_; }  ///< v
  std::int64_t steps() const { return t_; }               ///< t, steps taken

  /// Replaces the state (from a checkpoint). Throws ismooth::Error unless m
  /// and v have this optimiser's layout, finite values, v ≥ 0 and t ≥ 0.
  void restore(Parameters m, Parameters v, std::int64_t t);

 private:
  AdamSettings settings_;
  Parameters m_, v_;
  std::int64_t t_ = 0;
};

/// ‖p‖₂ over every value of every tensor, accumulated in double.
double l2_norm(const Parameters& p);

}  // namespace ismooth::network
