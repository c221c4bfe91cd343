// A training run's start and checkpoints (run_checkpoint.hpp).
#include "training/run_checkpoint.hpp"

#include "ismooth/network/checkpoint.hpp"
#include "training/initial_weights.hpp"

namespace ismooth::network::detail {

RunState start_state(const TrainerOptions& o, const Settings& settings, std::int64_t total,
                     std::int64_t spe, const Log& log) {
  RunState state(
      initial_weights(o.config, o.initial, o.init, o.seed, o.zero_output_layer, "train_network"),
      o.adam);
  if (!o.resume) {
    if (!o.checkpoint.empty() && std::filesystem::exists(o.checkpoint))
      log("starting afresh: '" + o.checkpoint.string() +
          "' will be overwritten (use --resume to continue it)");
    return state;
  }
  TrainingCheckpoint c = load_checkpoint(o.checkpoint);
  const std::string diff = compare_settings(c.settings, settings);
  require(diff.empty(), "train_network: cannot resume from '", o.checkpoint.string(),
          "': it was made with other settings (only the epoch count may change):", diff);
  require(c.config == o.config, "train_network: the checkpoint's network (", c.config.describe(),
          ") is not the requested one (", o.config.describe(), ")");
  require(c.next_iteration <= total, "train_network: the checkpoint is at step ", c.next_iteration,
          ", beyond the ", total, " steps of ", o.epochs, " epochs");
  require(std::int64_t(c.records.size()) == c.next_iteration,
          "train_network: the checkpoint holds ", c.records.size(), " records for step ",
          c.next_iteration);
  state.params = std::move(c.parameters);
  state.adam.restore(std::move(c.adam_m), std::move(c.adam_v), c.adam_steps);
  state.next = c.next_iteration;
  state.seconds_before = c.seconds;
  state.last_step_norm = c.last_step_norm;
  state.records = std::move(c.records);
  log("resumed from '" + o.checkpoint.string() + "' at step " + std::to_string(state.next) +
      " of " + std::to_string(total) + " (epoch " + number(double(state.next) / double(spe)) + ")");
  return state;
}

CheckpointWriter::CheckpointWriter(const TrainerOptions& options, Settings settings, Log log)
    : options_(options), settings_(std::move(settings)), log_(std::move(log)) {}

bool CheckpointWriter::due(std::int64_t step, std::int64_t start, std::int64_t spe) const {
  const double since_save = std::chrono::duration<double>(Clock::now() - last_save_).count();
  const bool by_time = options_.checkpoint_seconds > 0 && since_save >= options_.checkpoint_seconds;
  const bool by_count = options_.checkpoint_steps > 0 && step % options_.checkpoint_steps == 0;
  return step > start && (step % spe == 0 || by_time || by_count);
}

void CheckpointWriter::save(const RunState& state, const std::vector<IterationRecord>& records,
                            std::int64_t next, double seconds) {
  if (options_.checkpoint.empty()) return;
  TrainingCheckpoint c;
  c.config = options_.config;
  c.parameters = state.params;
  c.adam_m = state.adam.first_moment();
  c.adam_v = state.adam.second_moment();
  c.adam_steps = state.adam.steps();
  c.next_iteration = next;
  c.seconds = seconds;
  c.last_step_norm = state.last_step_norm;
  c.settings = settings_;
  c.records.assign(records.begin(), records.begin() + next);
  save_checkpoint(options_.checkpoint, c);
  last_save_ = Clock::now();
  saved_at_ = next;
  log_("checkpoint written to '" + options_.checkpoint.string() + "' at step " +
       std::to_string(next));
}

}  // namespace ismooth::network::detail
