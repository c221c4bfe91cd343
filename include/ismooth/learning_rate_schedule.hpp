#pragma once
/// \file
/// How Adam's learning rate changes over a run: one enum and one function,
/// shared by the per-image Adam (solvers/adam.hpp) and the network trainer
/// (network/trainer.hpp). Not in the paper, which uses a constant rate.
///
/// Cosine decay lets a large first step travel and a small last one settle
/// (measured for the per-image Adam in docs/solvers.md, "Adam"). For the
/// network it is a choice of `ismooth train --lr-schedule`.

#include <cmath>
#include <cstdint>

namespace ismooth {

/// The learning rate's course over a run of T steps.
enum class LearningRateSchedule : std::uint8_t {
  constant,  ///< lr at every step (the paper)
  cosine,    ///< lr·½(1 + cos(π·(t−1)/T)) at step t of T: from lr towards 0
};

/// The per-image solver's name for the same choice (AdamOptions::schedule).
using AdamSchedule = LearningRateSchedule;

/// The learning rate of step t (1-based) of `total` steps under `schedule`;
/// `learning_rate` itself when the schedule is constant or total ≤ 0.
inline double scheduled_learning_rate(double learning_rate, LearningRateSchedule schedule,
                                      std::int64_t t, std::int64_t total) {
  if (schedule == LearningRateSchedule::constant || total <= 0) return learning_rate;
  const double pi = 3.14159265358979323846;
  return learning_rate * 0.5 * (1 + std::cos(pi * double(t - 1) / double(total)));
}

}  // namespace ismooth
