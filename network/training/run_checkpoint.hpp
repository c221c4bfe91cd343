#pragma once
// Internal to ismooth::network: a training run's state between two steps,
// where it starts (fresh or resumed from a checkpoint that must continue
// this run) and when and where it is saved (TrainerOptions' checkpoint
// rules; the format is checkpoint.hpp's).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "training/run_settings.hpp"

namespace ismooth::network::detail {

using Log = std::function<void(const std::string&)>;

/// θ and Adam's state after `next` updates, with what the records need.
struct RunState {
  RunState(Parameters initial, const AdamSettings& settings)
      : params(std::move(initial)), adam(params, settings) {}

  Parameters params;
  AdamOptimizer adam;
  std::int64_t next = 0;      ///< updates done
  double seconds_before = 0;  ///< training time of the processes before this one
  double last_step_norm = 0;  ///< ‖θ_next − θ_{next−1}‖₂, the next record's step
  std::vector<IterationRecord> records;  ///< records 0 … next − 1
};

/// The state the run of `options` starts from: the initial weights, or with
/// options.resume options.checkpoint's state after checking that it
/// continues this run (same settings but the epoch count, same network,
/// not beyond `total` steps); throws ismooth::Error otherwise.
RunState start_state(const TrainerOptions& options, const Settings& settings, std::int64_t total,
                     std::int64_t steps_per_epoch, const Log& log);

/// Writes the run's checkpoints to options.checkpoint (nothing if empty).
class CheckpointWriter {
 public:
  CheckpointWriter(const TrainerOptions& options, Settings settings, Log log);

  /// Whether a checkpoint is due before `step` of a run that started at
  /// `start`: at epoch ends, and by time and count as the options say.
  bool due(std::int64_t step, std::int64_t start, std::int64_t steps_per_epoch) const;

  /// Saves `state` after `next` updates with records 0 … next − 1 of
  /// `records` and `seconds` of training in all.
  void save(const RunState& state, const std::vector<IterationRecord>& records, std::int64_t next,
            double seconds);

  /// The step of the last save, −1 if none.
  std::int64_t saved_at() const { return saved_at_; }

 private:
  using Clock = std::chrono::steady_clock;
  const TrainerOptions& options_;
  Settings settings_;
  Log log_;
  Clock::time_point last_save_ = Clock::now();
  std::int64_t saved_at_ = -1;
};

}  // namespace ismooth::network::detail
