// The training loop (trainer.hpp): one record and one Adam step per batch of
// N crops (this rank's share of them under data parallelism, the gradients
// summed over the ranks in one in-place allreduce, gradient_reducer.hpp),
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
#include <span>
#include <vector>

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
// FNV-1a of the run's settings and the options that are not among them: the
// ranks of a job compare it before any work.
std::uint64_t options_hash(const detail::Settings& settings, const TrainerOptions& o) {
  std::string text;
  for (const auto& [key, value] : settings) text += key + '=' + value + '\n';
  text += "epochs=" + std::to_string(o.epochs) + "\nresume=" + (o.resume ? "1" : "0") +
          "\ncheckpoint=" + o.checkpoint.string() + "\nmodel_out=" + o.model_out.string();
  std::uint64_t h = 14695981039346656037ull;
  for (const unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Every tensor of `from` into `to` (flattened in tensor order): assigned, or
// added to what is there.
void gather(const Parameters& from, std::vector<float>& to, bool add) {
  std::size_t at = 0;
  for (const NamedTensor& t : from)
    for (const float v : t.values) {
      to[at] = add ? to[at] + v : v;
      ++at;
    }
}

// `from` times `scale` into the tensors of `to`.
void scatter(const std::vector<float>& from, float scale, Parameters& to) {
  std::size_t at = 0;
  for (NamedTensor& t : to)
    for (float& v : t.values) v = from[at++] * scale;
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
          "(ImageSet::set_foreground, foreground_masks.hpp)");
  if (val != nullptr && val->empty()) val = nullptr;
  GradientReducer* const ranks = o.reducer;
  const int rank = ranks != nullptr ? ranks->rank() : 0;
  const int num_ranks = ranks != nullptr ? ranks->size() : 1;
  const bool leader = rank == 0;
  const detail::Log log = [&](const std::string& line) {
    if (o.log && leader) o.log(line);
  };

  const int batch = detail::batch_size(o);
  require(batch % num_ranks == 0, "train_network: the batch (", batch,
          " crops per update) must be a multiple of the number of ranks (", num_ranks,
          "): each rank computes an equal share");
  const int share = batch / num_ranks;  // crops of a step on this rank
  const std::int64_t spe = detail::steps_per_epoch(o, train);
  const std::int64_t total = std::int64_t(o.epochs) * spe;
  // Crop j of step s is crop s·N + j of the sequence, epochs of spe·N crops.
  const SamplingOptions sampling{o.seed, spe * batch, o.crop, o.flip};
  const detail::Settings settings = training_settings(o, train, val);
  if (ranks != nullptr)
    require(ranks->same_everywhere(options_hash(settings, o)), "train_network: the ", num_ranks,
            " ranks were given different settings or training data (every rank must run the same "
            "command on the same files)");
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
    if (leader) checkpoints.save(state, s.iterations, next, state.seconds_before + since(clock));
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
      if (!o.model_out.empty() && leader) save_model(o.model_out, m);
      if (model_out != nullptr) *model_out = m;
    }
    return s;
  };
  // Whether any rank says yes (a collective under MPI, so every rank acts on
  // the same answer at the same step).
  auto anywhere = [&](bool yes) {
    if (ranks == nullptr) return yes;
    double count = yes ? 1.0 : 0.0;
    ranks->sum(std::span<double>(&count, 1));
    return count > 0;
  };

  // This rank's crops of `step`: crops rank·share … of the step's N.
  auto prepare = [&](std::int64_t step) {
    std::vector<Prepared> crops(static_cast<std::size_t>(share));
    for (int j = 0; j < share; ++j) {
      const Clock::time_point p0 = Clock::now();
      Prepared& p = crops[std::size_t(j)];
      p.sample = sample_step(train, sampling, step * batch + rank * share + j);
      const CropSample& c = p.sample;
      p.loss = std::make_unique<TimedLoss>(
          loss_of(train.crop(c.image, c.y0, c.x0, c.height, c.width, c.flip)));
      p.seconds = since(p0);
    }
    return crops;
  };
  // Declared after everything `prepare` reads: a pending preparation is
  // waited for (the future's destructor) before those go.
  std::future<std::vector<Prepared>> next;
  auto prepare_ahead = [&](std::int64_t step) {
    next = std::async(std::launch::async, [&prepare, step] {
      omp_set_num_threads(1);
      return prepare(step);
    });
  };

  Parameters grads = make_parameters(o.config);
  std::vector<float> gradient_sum(grads.num_values());  // this step's, then all ranks'
  double update_seconds = 0;  // the Adam step that made this step's weights
  for (std::int64_t step = start;; ++step) {
    if (anywhere(o.interrupt != nullptr && o.interrupt->load())) {
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
      put_validation(r, validation.mean(*net, ranks));
      val_seconds = since(v0);
    }

    const Clock::time_point t0 = Clock::now();
    const std::vector<Prepared> crops = next.valid() ? next.get() : prepare(step);
    const double wait_seconds = since(t0);
    if (step < total && !o.loss) prepare_ahead(step + 1);
    // Sums over this rank's crops, then over all ranks: the five terms and
    // the count of non-finite passes.
    double sums[6] = {};
    double pass_seconds = 0, energy_seconds = 0, prepare_seconds = 0;
    for (std::size_t j = 0; j < crops.size(); ++j) {
      bool finite = true;
      const Clock::time_point n0 = Clock::now();
      const EnergyTerms terms = net->train_pass(*crops[j].loss, grads, &finite);
      pass_seconds += since(n0);
      energy_seconds += crops[j].loss->seconds;
      prepare_seconds += crops[j].seconds;
      detail::add_terms(sums, terms);
      sums[5] += finite ? 0.0 : 1.0;
      gather(grads, gradient_sum, j > 0);
    }
    const Clock::time_point r0 = Clock::now();
    if (ranks != nullptr) {
      ranks->sum(sums);
      ranks->sum(gradient_sum);  // fp32, in place: the one allreduce of a step
    }
    const double reduce_seconds = since(r0);
    scatter(gradient_sum, 1.0f / float(batch), grads);
    if (sums[5] > 0)
      return finish(TerminationType::failure,
                    "non-finite energy or gradient at step " + std::to_string(step) + " (image " +
                        train[crops.front().sample.image].name +
                        (batch > 1 ? " or another crop of the batch" : "") +
                        "); weights kept at that step");
    detail::record_terms(r, detail::mean_terms(sums, batch));
    r.gradient_norm = l2_norm(grads);
    if (!std::isfinite(r.gradient_norm))
      return finish(TerminationType::failure,
                    "non-finite parameter gradient at step " + std::to_string(step));
    r.step_norm = state.last_step_norm;
    r.energy_change = s.iterations.empty() ? 0.0 : s.iterations.back().energy - r.energy;
    r.extras["epoch"] = double(step) / double(spe);
    r.extras["image"] = double(crops.front().sample.image);
    r.extras["learning_rate"] =
        scheduled_learning_rate(o.adam.learning_rate, o.schedule, step + 1, total);
    r.extras["network_seconds"] = pass_seconds - energy_seconds;
    r.extras["energy_seconds"] = energy_seconds;
    r.extras["update_seconds"] = update_seconds;
    r.extras["prepare_seconds"] = prepare_seconds;
    r.extras["wait_seconds"] = wait_seconds;
    r.extras["reduce_seconds"] = reduce_seconds;

    train_seconds += since(t0);
    ++steps_here;
    const double rate = double(steps_here) / std::max(train_seconds, 1e-9);
    const std::int64_t epochs_left = validation.empty() ? 0 : (total - step) / spe;
    r.extras["images_per_second"] = rate * batch;
    r.extras["eta_seconds"] = double(total - step) / rate + double(epochs_left) * val_seconds;
    r.seconds = state.seconds_before + since(clock);
    s.iterations.push_back(r);

    if (o.callback) {
      // Rank 0's answer, for every rank.
      double answer = 0;
      if (leader) answer = double(int(o.callback(s.iterations.back())));
      if (ranks != nullptr) ranks->sum(std::span<double>(&answer, 1));
      const auto said = CallbackReturn(int(answer));
      if (said != CallbackReturn::continue_solving) {
        save(step);  // θ_step with records 0 … step−1: a resume recomputes this record
        return finish(said == CallbackReturn::abort ? TerminationType::user_abort
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
