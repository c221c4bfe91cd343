// The training loop (trainer.hpp): one record and one Adam step per crop,
// validation at epoch boundaries, checkpoints as the options say.
//
// The next step's crop and loss (the crop, its flip, structure edges B and
// guidance: everything the paper's loss factory computes) are prepared on a
// helper thread while the network runs the current step. A user's loss
// (TrainerOptions::loss) is built on the caller's thread, in turn: it may
// hold state that is not thread-safe (a Python callable, say). The crop of a step is a
// function of (seed, step) alone, so preparing it early changes nothing but
// the time; the helper runs one OpenMP thread, leaving the cores to the
// network. Each record reports the step's time split (trainer.hpp).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>

#include "ismooth/error.hpp"
#include "ismooth/network/trainer.hpp"
#include "training/record_terms.hpp"
#include "training/run_checkpoint.hpp"
#include "training/run_settings.hpp"
#include "training/validation.hpp"

namespace ismooth::network {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A loss that adds the wall time of its evaluations to `seconds` (the
// energy's share of a step; an engine that evaluates paper_energy() itself
// reports it as network time).
class TimedLoss final : public TrainingLoss {
 public:
  explicit TimedLoss(std::unique_ptr<TrainingLoss> loss) : loss_(std::move(loss)) {}
  const Image<float>& input() const override { return loss_->input(); }
  EnergyTerms evaluate(const Image<float>& t, Image<float>* dt) const override {
    const Clock::time_point start = Clock::now();
    EnergyTerms terms = loss_->evaluate(t, dt);
    seconds += since(start);
    return terms;
  }
  const SmoothingEnergy<float>* paper_energy() const override { return loss_->paper_energy(); }
  const SmoothingEnergy<float>* reported_energy() const override {
    return loss_->reported_energy();
  }
  mutable double seconds = 0;

 private:
  std::unique_ptr<TrainingLoss> loss_;
};

// A step's crop and loss, and the seconds their preparation took.
struct Prepared {
  CropSample sample;
  std::unique_ptr<TimedLoss> loss;
  double seconds = 0;
};

void put_validation(IterationRecord& r, const EnergyTerms& v) {
  r.extras["val_energy"] = v.total;
  r.extras["val_data"] = v.data;
  r.extras["val_flatten"] = v.flatten;
  r.extras["val_edge"] = v.edge;
  r.extras["val_l2_fraction"] = v.l2_fraction;
}

}  // namespace

Summary train_network(const TrainerOptions& o, const ImageSet& train, const ImageSet* val,
                      Model* model_out) {
  std::string why;
  if (!o.IsValid(&why)) fail("train_network: ", why);
  require(!train.empty(), "train_network: the training set is empty");
  // The background / foreground presets read F from every crop (ImageSet::crop).
  require(o.loss || !preset_needs_foreground(o.preset) ||
              (train.has_foreground() && (val == nullptr || val->empty() || val->has_foreground())),
          "train_network: preset '", preset_name(o.preset),
          "' needs a foreground mask for every training and validation photo "
          "(foreground_masks.hpp; the CLI's --masks DIR|auto)");
  if (val != nullptr && val->empty()) val = nullptr;
  const detail::Log log = [&](const std::string& line) {
    if (o.log) o.log(line);
  };

  const std::int64_t spe = detail::steps_per_epoch(o, train);
  const std::int64_t total = std::int64_t(o.epochs) * spe;
  const SamplingOptions sampling{o.seed, spe, o.crop, o.flip};
  const detail::Settings settings = training_settings(o, train, val);
  const LossFactory loss_of = o.loss ? o.loss : paper_loss_factory(o.preset, o.params, o.pmap);

  detail::RunState state = detail::start_state(o, settings, total, spe, log);
  Summary s;
  s.solver = "cnn";
  s.iterations = std::move(state.records);
  const std::int64_t start = state.next;

  std::unique_ptr<Network> net = make_network(o.config, state.params, o.engine);
  const detail::Validation validation =
      val != nullptr ? detail::Validation(*val, o.val_crop == 0 ? o.crop : o.val_crop, loss_of)
                     : detail::Validation();

  const Clock::time_point clock = Clock::now();
  detail::CheckpointWriter checkpoints(o, settings, log);
  double train_seconds = 0, val_seconds = 0;  // this process
  std::int64_t steps_here = 0;
  auto save = [&](std::int64_t next) {
    checkpoints.save(state, s.iterations, next, state.seconds_before + since(clock));
  };
  auto finish = [&](TerminationType type, std::string message) {
    s.termination = type;
    s.message = std::move(message);
    if (!s.iterations.empty()) {
      s.initial_energy = s.iterations.front().energy;
      s.final_energy = s.iterations.back().energy;
    }
    s.seconds = state.seconds_before + since(clock);
    const bool keep =
        type == TerminationType::no_convergence || type == TerminationType::user_success;
    if (keep && (model_out != nullptr || !o.model_out.empty())) {
      const Model m = detail::trained_model(o, settings, state.params, s, spe);
      if (!o.model_out.empty()) save_model(o.model_out, m);
      if (model_out != nullptr) *model_out = m;
    }
    return s;
  };

  auto prepare = [&](std::int64_t step) {
    const Clock::time_point p0 = Clock::now();
    Prepared p;
    p.sample = sample_step(train, sampling, step);
    const CropSample& c = p.sample;
    p.loss = std::make_unique<TimedLoss>(
        loss_of(train.crop(c.image, c.y0, c.x0, c.height, c.width, c.flip)));
    p.seconds = since(p0);
    return p;
  };
  // Declared after everything `prepare` reads: a pending preparation is
  // waited for (the future's destructor) before those go.
  std::future<Prepared> next;
  auto prepare_ahead = [&](std::int64_t step) {
    next = std::async(std::launch::async, [&prepare, step] {
      omp_set_num_threads(1);
      return prepare(step);
    });
  };

  Parameters grads = make_parameters(o.config);
  double update_seconds = 0;  // the Adam step that made this step's weights
  for (std::int64_t step = start;; ++step) {
    if (o.interrupt != nullptr && o.interrupt->load()) {
      save(step);
      return finish(
          TerminationType::user_abort,
          "interrupted at step " + std::to_string(step) + " of " + std::to_string(total) +
              (o.checkpoint.empty() ? std::string("; no checkpoint file configured, progress lost")
                                    : "; checkpoint written to '" + o.checkpoint.string() + "'"));
    }
    if (checkpoints.due(step, start, spe)) save(step);

    IterationRecord r;
    r.iteration = int(step);
    if (!validation.empty() && step % spe == 0) {
      const Clock::time_point v0 = Clock::now();
      put_validation(r, validation.mean(*net));
      val_seconds = since(v0);
    }

    const Clock::time_point t0 = Clock::now();
    Prepared prepared = next.valid() ? next.get() : prepare(step);
    const double wait_seconds = since(t0);
    if (step < total && !o.loss) prepare_ahead(step + 1);
    const CropSample& sample = prepared.sample;
    const TimedLoss& loss = *prepared.loss;
    bool finite = true;
    const Clock::time_point n0 = Clock::now();
    const EnergyTerms terms = net->train_pass(loss, grads, &finite);
    const double pass_seconds = since(n0);
    if (!finite)
      return finish(TerminationType::failure,
                    "non-finite energy or gradient at step " + std::to_string(step) + " (image " +
                        train[sample.image].name + "); weights kept at that step");
    detail::record_terms(r, terms);
    r.gradient_norm = l2_norm(grads);
    if (!std::isfinite(r.gradient_norm))
      return finish(TerminationType::failure,
                    "non-finite parameter gradient at step " + std::to_string(step));
    r.step_norm = state.last_step_norm;
    r.energy_change = s.iterations.empty() ? 0.0 : s.iterations.back().energy - r.energy;
    r.extras["epoch"] = double(step) / double(spe);
    r.extras["image"] = double(sample.image);
    r.extras["learning_rate"] =
        scheduled_learning_rate(o.adam.learning_rate, o.schedule, step + 1, total);
    r.extras["network_seconds"] = pass_seconds - loss.seconds;
    r.extras["energy_seconds"] = loss.seconds;
    r.extras["update_seconds"] = update_seconds;
    r.extras["prepare_seconds"] = prepared.seconds;
    r.extras["wait_seconds"] = wait_seconds;

    train_seconds += since(t0);
    ++steps_here;
    const double rate = double(steps_here) / std::max(train_seconds, 1e-9);
    const std::int64_t epochs_left = validation.empty() ? 0 : (total - step) / spe;
    r.extras["images_per_second"] = rate;
    r.extras["eta_seconds"] = double(total - step) / rate + double(epochs_left) * val_seconds;
    r.seconds = state.seconds_before + since(clock);
    s.iterations.push_back(r);

    if (o.callback) {
      const CallbackReturn answer = o.callback(s.iterations.back());
      if (answer != CallbackReturn::continue_solving) {
        save(step);  // θ_step with records 0 … step−1: a resume recomputes this record
        return finish(answer == CallbackReturn::abort ? TerminationType::user_abort
                                                      : TerminationType::user_success,
                      "stopped by the callback at step " + std::to_string(step));
      }
    }
    if (step == total) break;
    const Clock::time_point t1 = Clock::now();
    state.last_step_norm =
        state.adam.step(state.params, grads,
                        scheduled_learning_rate(o.adam.learning_rate, o.schedule, step + 1, total));
    net->set_parameters(state.params);
    update_seconds = since(t1);
    train_seconds += update_seconds;
  }
  if (checkpoints.saved_at() != total) save(total);
  return finish(TerminationType::no_convergence, "completed " + std::to_string(o.epochs) +
                                                     " epochs (" + std::to_string(total) +
                                                     " steps of " + std::to_string(spe) + ")");
}

}  // namespace ismooth::network
