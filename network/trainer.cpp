// Training and over-fitting the network with the energy as its loss
// (trainer.hpp).
#include "ismooth/network/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "ismooth/error.hpp"
#include "ismooth/network/checkpoint.hpp"
#if defined(ISMOOTH_HAVE_CUDA)
#include "cuda/cuda_common.hpp"
#include "cuda/cuda_energy.hpp"
#include "cuda/cuda_network.hpp"
#endif

namespace ismooth::network {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string number(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

const char* pmap_name(PMapKind kind) {
  switch (kind) {
    case PMapKind::adaptive:
      return "adaptive";
    case PMapKind::all_l2:
      return "l2";
    case PMapKind::all_lp:
      return "l08";
    case PMapKind::half:
      return "half";
    case PMapKind::custom:
      return "custom";
  }
  return "?";
}

const char* gradient_name(GradientMode mode) {
  return mode == GradientMode::clipped ? "clipped" : "exact";
}

/// The energy a step descends, and, when that one smooths |d|^p (ε > 0), the
/// exact energy the records report. Both share G and B of the crop.
struct Loss {
  SmoothingEnergy<float> descend;
  std::optional<SmoothingEnergy<float>> exact;
};

Loss build_loss(Image<float> crop, Preset preset, const EnergyParams& params, PMapKind pmap) {
  Guidance<float> g = preset_guidance(crop, preset);
  if (params.epsilon == 0)
    return Loss{SmoothingEnergy<float>(std::move(crop), std::move(g.guidance), std::move(g.edges),
                                       params, PMap{pmap}),
                std::nullopt};
  EnergyParams exact = params;
  exact.epsilon = 0;
  Loss loss{SmoothingEnergy<float>(crop, g.guidance, g.edges, params, PMap{pmap}), std::nullopt};
  loss.exact.emplace(std::move(crop), std::move(g.guidance), std::move(g.edges), exact, PMap{pmap});
  return loss;
}

bool all_finite(const Image<float>& x) {
  for (float v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

void put_terms(IterationRecord& r, const EnergyTerms& t) {
  r.energy = t.total;
  r.data = t.data;
  r.flatten = t.flatten;
  r.edge = t.edge;
  r.l2_fraction = t.l2_fraction;
}

/// T = net(input), the loss's value and ∂E/∂T, then ∂E/∂θ into `grads`.
/// Returns the reported (exact) terms; `finite` false if anything is not.
/// `exact`, if not null, is evaluated for the reported terms.
EnergyTerms forward_backward(Network& net, const Image<float>& input,
                             const SmoothingEnergy<float>& descend,
                             const SmoothingEnergy<float>* exact, Image<float>& t, Image<float>& dt,
                             Parameters& grads, bool* finite) {
  net.forward(input, t);
  dt.resize(t.shape());
  dt.fill(0.0f);
  EnergyTerms terms = descend.evaluate_terms(t, &dt);
  if (exact != nullptr) terms = exact->evaluate_terms(t);
  *finite = std::isfinite(terms.total) && all_finite(dt) && all_finite(t);
  if (*finite) net.backward(dt, grads);
  return terms;
}

bool all_finite(const Parameters& p) {
  for (const NamedTensor& t : p)
    for (float v : t.values)
      if (!std::isfinite(v)) return false;
  return true;
}

#if defined(ISMOOTH_HAVE_CUDA)
/// A training step that keeps its images on the GPU (EngineKind::cuda): the
/// crop is uploaded once with the energy's constants, then forward, the
/// energy's value and gradient, and backward run on device buffers; only the
/// parameter gradients come back (Adam stays on the host, like the CPU path).
class DeviceStep {
 public:
  explicit DeviceStep(cuda::DeviceNetwork& net) : net_(net) {}

  EnergyTerms run(const SmoothingEnergy<float>& descend, const SmoothingEnergy<float>* exact,
                  Parameters& grads, bool* finite) {
    auto stream = static_cast<cudaStream_t>(net_.stream_handle());
    if (descend_) descend_->assign(descend); else descend_.emplace(descend, stream);
    const Extent image{descend_->height(), descend_->width()};
    const std::size_t bytes = 3 * std::size_t(image.height) * image.width * sizeof(float);
    t_.resize(bytes);
    dt_.resize(bytes);
    net_.forward_device(descend_->device_input(), image, t_.as<float>());
    EnergyTerms terms = descend_->evaluate(t_.as<float>(), dt_.as<float>());
    if (exact != nullptr) {
      if (exact_) exact_->assign(*exact); else exact_.emplace(*exact, stream);
      terms = exact_->evaluate(t_.as<float>(), nullptr);
    }
    *finite = std::isfinite(terms.total);
    if (*finite) {
      net_.backward_device(dt_.as<float>(), image, grads, nullptr);
      // A non-finite T or dT shows up in the parameter gradients.
      *finite = all_finite(grads);
    }
    return terms;
  }

 private:
  cuda::DeviceNetwork& net_;
  std::optional<cuda::CudaSmoothingEnergy> descend_, exact_;
  cuda::DeviceBuffer t_, dt_;
};
#else
/// Without CUDA there is no device step (EngineKind::cuda cannot be built).
class DeviceStep {
 public:
  EnergyTerms run(const SmoothingEnergy<float>&, const SmoothingEnergy<float>*, Parameters&,
                  bool*) {
    fail("DeviceStep: this build has no CUDA engine");
  }
};
#endif

/// The device step of `net` if it is the CUDA engine, else null.
std::unique_ptr<DeviceStep> device_step_for(Network& net) {
#if defined(ISMOOTH_HAVE_CUDA)
  if (auto* device = dynamic_cast<cuda::DeviceNetwork*>(&net))
    return std::make_unique<DeviceStep>(*device);
#endif
  (void)net;
  return nullptr;
}

/// Centred min(size, side) window of every validation image, with its exact
/// energy (ε = 0).
std::vector<SmoothingEnergy<float>> validation_energies(const TrainerOptions& o,
                                                        const ImageSet& val) {
  EnergyParams exact = o.params;
  exact.epsilon = 0;
  const int size = o.val_crop == 0 ? o.crop : o.val_crop;
  std::vector<SmoothingEnergy<float>> out;
  out.reserve(val.size());
  for (std::size_t i = 0; i < val.size(); ++i) {
    const ImageSet::Entry& e = val[i];
    const std::size_t h = size < 0 ? e.height : std::min<std::size_t>(e.height, std::size_t(size));
    const std::size_t w = size < 0 ? e.width : std::min<std::size_t>(e.width, std::size_t(size));
    out.push_back(make_energy(val.crop(i, (e.height - h) / 2, (e.width - w) / 2, h, w), o.preset,
                              exact, {}, PMap{o.pmap}));
  }
  return out;
}

/// Mean exact energy and terms of the validation crops under the network's
/// current weights.
EnergyTerms validate(Network& net, const std::vector<SmoothingEnergy<float>>& energies) {
  EnergyTerms mean;
  Image<float> t;
  for (const SmoothingEnergy<float>& e : energies) {
    net.infer(e.input(), t);
    const EnergyTerms x = e.evaluate_terms(t);
    mean.total += x.total;
    mean.data += x.data;
    mean.flatten += x.flatten;
    mean.edge += x.edge;
    mean.l2_fraction += x.l2_fraction;
  }
  const double n = double(energies.size());
  mean.total /= n;
  mean.data /= n;
  mean.flatten /= n;
  mean.edge /= n;
  mean.l2_fraction /= n;
  return mean;
}

std::string compare_settings(const std::map<std::string, std::string>& saved,
                             const std::map<std::string, std::string>& now) {
  std::string diff;
  auto note = [&](const std::string& key, const std::string& a, const std::string& b) {
    diff += "\n  " + key + ": checkpoint " + a + ", now " + b;
  };
  for (const auto& [key, value] : saved) {
    const auto it = now.find(key);
    if (it == now.end())
      note(key, value, "(absent)");
    else if (it->second != value)
      note(key, value, it->second);
  }
  for (const auto& [key, value] : now)
    if (!saved.contains(key)) note(key, "(absent)", value);
  return diff;
}

}  // namespace

std::string describe_energy_params(const EnergyParams& p) {
  std::string s;
  auto add = [&](const char* key, const std::string& value) {
    if (!s.empty()) s += ",";
    s += std::string(key) + "=" + value;
  };
  add("sigma_r", number(p.sigma_r));
  add("sigma_s", number(p.sigma_s));
  add("lambda_f", number(p.lambda_f));
  add("lambda_e", number(p.lambda_e));
  add("alpha", number(p.alpha));
  add("c1", number(p.c1));
  add("c2", number(p.c2));
  add("radius", std::to_string(p.radius));
  add("p_large", number(p.p_large));
  add("p_small", number(p.p_small));
  add("dilate", p.dilate ? "1" : "0");
  add("gradient", gradient_name(p.gradient));
  add("colour_weight_floor", number(p.colour_weight_floor));
  add("epsilon", number(p.epsilon));
  return s;
}

void zero_output_layer(Parameters& params, const NetworkConfig& config) {
  const LayerSpec last = describe_layers(config).back();
  for (const std::string& name : {last.weight_name(), last.bias_name()}) {
    NamedTensor& t = params.at(name);
    std::fill(t.values.begin(), t.values.end(), 0.0f);
  }
}

EnergyParams default_training_params(Preset preset) {
  EnergyParams p = preset_params(preset);
  p.gradient = GradientMode::clipped;
  return p;
}

bool TrainerOptions::IsValid(std::string* error) const {
  std::string why;
  std::string sub;
  if (crop < 3)
    why = "crop must be >= 3 (the energy needs 3x3), got " + std::to_string(crop);
  else if (max_short_side < 0)
    why = "max_short_side must be >= 0 (0 = no downsampling)";
  else if (epochs < 0)
    why = "epochs must be >= 0, got " + std::to_string(epochs);
  else if (steps_per_epoch < 0)
    why = "steps_per_epoch must be >= 0 (0 = one per image)";
  else if (val_crop < -1 || (val_crop > 0 && val_crop < 3))
    why = "val_crop must be -1 (whole), 0 (= crop) or >= 3, got " + std::to_string(val_crop);
  else if (!config.IsValid(&sub))
    why = "network: " + sub;
  else if (!engine.IsValid(&sub))
    why = "engine: " + sub;
  else if (preset_needs_foreground(preset))
    why = std::string("preset '") + std::string(preset_name(preset)) +
          "' needs a foreground mask per image; training supports smoothing, detail and texture";
  else if (pmap == PMapKind::custom)
    why = "a custom p map cannot be used for training";
  else if (!params.IsValid(&sub))
    why = "energy parameters: " + sub;
  else if (!adam.IsValid(&sub))
    why = "Adam: " + sub;
  else if (!(checkpoint_seconds >= 0))
    why = "checkpoint_seconds must be >= 0";
  else if (checkpoint_steps < 0)
    why = "checkpoint_steps must be >= 0";
  else if (resume && checkpoint.empty())
    why = "resume needs a checkpoint path";
  if (error != nullptr) *error = why;
  return why.empty();
}

std::map<std::string, std::string> training_settings(const TrainerOptions& o, const ImageSet& train,
                                                     const ImageSet* val) {
  const std::int64_t spe = o.steps_per_epoch > 0 ? o.steps_per_epoch : std::int64_t(train.size());
  std::map<std::string, std::string> s;
  s["network"] = o.config.describe();
  s["init"] = o.initial ? "from " + o.initial_name
                       : std::string(o.init == InitScheme::he ? "he" : "uniform_code") +
                             (o.zero_output_layer ? ", output layer 0" : "");
  s["engine"] = to_string(o.engine.kind);
  s["seed"] = std::to_string(o.seed);
  s["crop"] = std::to_string(o.crop);
  s["flip"] = o.flip ? "1" : "0";
  s["steps_per_epoch"] = std::to_string(spe);
  s["max_short_side"] = std::to_string(o.max_short_side);
  s["preset"] = std::string(preset_name(o.preset));
  s["energy"] = pmap_name(o.pmap);
  s["energy_params"] = describe_energy_params(o.params);
  if (o.schedule == LearningRateSchedule::cosine)
    s["lr_schedule"] = "cosine over " + std::to_string(std::int64_t(o.epochs) * spe) + " steps";
  s["adam"] = "lr=" + number(o.adam.learning_rate) + ",beta1=" + number(o.adam.beta1) +
              ",beta2=" + number(o.adam.beta2) + ",epsilon=" + number(o.adam.epsilon);
  s["train_images"] =
      std::to_string(train.size()) + " (fingerprint " + std::to_string(train.fingerprint()) + ")";
  s["val_images"] = val == nullptr ? "none"
                                   : std::to_string(val->size()) + " (fingerprint " +
                                         std::to_string(val->fingerprint()) + ")";
  s["val_crop"] = std::to_string(o.val_crop == 0 ? o.crop : o.val_crop);
  return s;
}

Summary train_network(const TrainerOptions& o, const ImageSet& train, const ImageSet* val,
                      Model* model_out) {
  std::string why;
  if (!o.IsValid(&why)) fail("train_network: ", why);
  require(!train.empty(), "train_network: the training set is empty");
  if (val != nullptr && val->empty()) val = nullptr;
  auto log = [&](const std::string& line) {
    if (o.log) o.log(line);
  };

  const std::int64_t spe = o.steps_per_epoch > 0 ? o.steps_per_epoch : std::int64_t(train.size());
  const std::int64_t total = std::int64_t(o.epochs) * spe;
  const SamplingOptions sampling{o.seed, spe, o.crop, o.flip};
  const std::map<std::string, std::string> settings = training_settings(o, train, val);

  Parameters params = o.initial ? *o.initial : initial_parameters(o.config, o.init, o.seed);
  if (o.initial)
    check_parameters(o.config, params, "train_network: initial parameters");
  else if (o.zero_output_layer)
    zero_output_layer(params, o.config);
  AdamOptimizer adam(params, o.adam);
  Summary s;
  s.solver = "cnn";
  std::int64_t start = 0;
  double seconds_before = 0, last_step_norm = 0;
  if (o.resume) {
    TrainingCheckpoint c = load_checkpoint(o.checkpoint);
    const std::string diff = compare_settings(c.settings, settings);
    require(diff.empty(), "train_network: cannot resume from '", o.checkpoint.string(),
            "': it was made with other settings (only the epoch count may change):", diff);
    require(c.config == o.config, "train_network: the checkpoint's network (", c.config.describe(),
            ") is not the requested one (", o.config.describe(), ")");
    require(c.next_iteration <= total, "train_network: the checkpoint is at step ",
            c.next_iteration, ", beyond the ", total, " steps of ", o.epochs, " epochs");
    require(std::int64_t(c.records.size()) == c.next_iteration,
            "train_network: the checkpoint holds ", c.records.size(), " records for step ",
            c.next_iteration);
    params = std::move(c.parameters);
    adam.restore(std::move(c.adam_m), std::move(c.adam_v), c.adam_steps);
    start = c.next_iteration;
    seconds_before = c.seconds;
    last_step_norm = c.last_step_norm;
    s.iterations = std::move(c.records);
    log("resumed from '" + o.checkpoint.string() + "' at step " + std::to_string(start) + " of " +
        std::to_string(total) + " (epoch " + number(double(start) / double(spe)) + ")");
  } else if (!o.checkpoint.empty() && std::filesystem::exists(o.checkpoint)) {
    log("starting afresh: '" + o.checkpoint.string() +
        "' will be overwritten (use --resume to continue it)");
  }

  std::unique_ptr<Network> net = make_network(o.config, params, o.engine);
  const std::vector<SmoothingEnergy<float>> val_energies =
      val != nullptr ? validation_energies(o, *val) : std::vector<SmoothingEnergy<float>>{};

  const Clock::time_point clock = Clock::now();
  Clock::time_point last_save = clock;
  std::int64_t saved_at = -1;
  double train_seconds = 0, val_seconds = 0;  // this process
  std::int64_t steps_here = 0;

  auto save = [&](std::int64_t next) {
    if (o.checkpoint.empty()) return;
    TrainingCheckpoint c;
    c.config = o.config;
    c.parameters = params;
    c.adam_m = adam.first_moment();
    c.adam_v = adam.second_moment();
    c.adam_steps = adam.steps();
    c.next_iteration = next;
    c.seconds = seconds_before + since(clock);
    c.last_step_norm = last_step_norm;
    c.settings = settings;
    c.records.assign(s.iterations.begin(), s.iterations.begin() + next);
    save_checkpoint(o.checkpoint, c);
    last_save = Clock::now();
    saved_at = next;
    log("checkpoint written to '" + o.checkpoint.string() + "' at step " + std::to_string(next));
  };
  auto make_model = [&] {
    Model m;
    m.config = o.config;
    m.parameters = params;
    m.metadata = {{"trainer", "ismooth train"},
                  {"preset", std::string(preset_name(o.preset))},
                  {"energy", pmap_name(o.pmap)},
                  {"gradient", gradient_name(o.params.gradient)},
                  {"energy_params", describe_energy_params(o.params)},
                  {"epochs", std::to_string(o.epochs)},
                  {"steps", std::to_string(s.num_iterations())},
                  {"steps_per_epoch", std::to_string(spe)},
                  {"crop", std::to_string(o.crop)},
                  {"seed", std::to_string(o.seed)},
                  {"learning_rate", number(o.adam.learning_rate)},
                  {"train_images", settings.at("train_images")}};
    if (!s.iterations.empty()) {
      const auto& extras = s.iterations.back().extras;
      if (const auto it = extras.find("val_energy"); it != extras.end())
        m.metadata["val_energy"] = number(it->second);
    }
    return m;
  };
  auto finish = [&](TerminationType type, std::string message) {
    s.termination = type;
    s.message = std::move(message);
    if (!s.iterations.empty()) {
      s.initial_energy = s.iterations.front().energy;
      s.final_energy = s.iterations.back().energy;
    }
    s.seconds = seconds_before + since(clock);
    const bool keep =
        type == TerminationType::no_convergence || type == TerminationType::user_success;
    if (keep && (model_out != nullptr || !o.model_out.empty())) {
      const Model m = make_model();
      if (!o.model_out.empty()) save_model(o.model_out, m);
      if (model_out != nullptr) *model_out = m;
    }
    return s;
  };

  Image<float> t, dt;
  Parameters grads = make_parameters(o.config);
  const std::unique_ptr<DeviceStep> device = device_step_for(*net);
  for (std::int64_t step = start;; ++step) {
    if (o.interrupt != nullptr && o.interrupt->load()) {
      save(step);
      return finish(
          TerminationType::user_abort,
          "interrupted at step " + std::to_string(step) + " of " + std::to_string(total) +
              (o.checkpoint.empty() ? std::string("; no checkpoint file configured, progress lost")
                                    : "; checkpoint written to '" + o.checkpoint.string() + "'"));
    }
    const bool by_time = o.checkpoint_seconds > 0 && since(last_save) >= o.checkpoint_seconds;
    const bool by_count = o.checkpoint_steps > 0 && step % o.checkpoint_steps == 0;
    if (step > start && (step % spe == 0 || by_time || by_count)) save(step);

    IterationRecord r;
    r.iteration = int(step);
    if (!val_energies.empty() && step % spe == 0) {
      const Clock::time_point v0 = Clock::now();
      const EnergyTerms v = validate(*net, val_energies);
      val_seconds = since(v0);
      r.extras["val_energy"] = v.total;
      r.extras["val_data"] = v.data;
      r.extras["val_flatten"] = v.flatten;
      r.extras["val_edge"] = v.edge;
      r.extras["val_l2_fraction"] = v.l2_fraction;
    }

    const Clock::time_point t0 = Clock::now();
    const CropSample sample = sample_step(train, sampling, step);
    Image<float> crop =
        train.crop(sample.image, sample.y0, sample.x0, sample.height, sample.width, sample.flip);
    const Loss loss = build_loss(std::move(crop), o.preset, o.params, o.pmap);
    bool finite = true;
    const SmoothingEnergy<float>* exact = loss.exact ? &*loss.exact : nullptr;
    const EnergyTerms terms =
        device ? device->run(loss.descend, exact, grads, &finite)
               : forward_backward(*net, loss.descend.input(), loss.descend, exact, t, dt, grads,
                                  &finite);
    if (!finite)
      return finish(TerminationType::failure,
                    "non-finite energy or gradient at step " + std::to_string(step) + " (image " +
                        train[sample.image].name + "); weights kept at that step");
    put_terms(r, terms);
    r.gradient_norm = l2_norm(grads);
    if (!std::isfinite(r.gradient_norm))
      return finish(TerminationType::failure,
                    "non-finite parameter gradient at step " + std::to_string(step));
    r.step_norm = last_step_norm;
    r.energy_change = s.iterations.empty() ? 0.0 : s.iterations.back().energy - r.energy;
    r.extras["epoch"] = double(step) / double(spe);
    r.extras["image"] = double(sample.image);
    r.extras["learning_rate"] =
        scheduled_learning_rate(o.adam.learning_rate, o.schedule, step + 1, total);

    train_seconds += since(t0);
    ++steps_here;
    const double rate = double(steps_here) / std::max(train_seconds, 1e-9);
    const std::int64_t epochs_left = val_energies.empty() ? 0 : (total - step) / spe;
    r.extras["images_per_second"] = rate;
    r.extras["eta_seconds"] = double(total - step) / rate + double(epochs_left) * val_seconds;
    r.seconds = seconds_before + since(clock);
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
    last_step_norm = adam.step(
        params, grads, scheduled_learning_rate(o.adam.learning_rate, o.schedule, step + 1, total));
    net->set_parameters(params);
    train_seconds += since(t1);
  }
  if (saved_at != total) save(total);
  return finish(TerminationType::no_convergence, "completed " + std::to_string(o.epochs) +
                                                     " epochs (" + std::to_string(total) +
                                                     " steps of " + std::to_string(spe) + ")");
}

bool OverfitOptions::IsValid(std::string* error) const {
  std::string why, sub;
  if (!config.IsValid(&sub))
    why = "network: " + sub;
  else if (!engine.IsValid(&sub))
    why = "engine: " + sub;
  else if (!adam.IsValid(&sub))
    why = "Adam: " + sub;
  else if (max_iterations < 0)
    why = "max_iterations must be >= 0, got " + std::to_string(max_iterations);
  else if (!(std::isfinite(function_tolerance) && function_tolerance >= 0))
    why = "function_tolerance must be finite and >= 0";
  if (error != nullptr) *error = why;
  return why.empty();
}

Summary overfit_network(const OverfitOptions& o, const SmoothingEnergy<float>& energy,
                        Image<float>& output, Parameters* final_parameters) {
  std::string why;
  if (!o.IsValid(&why)) fail("overfit_network: ", why);
  Parameters params = o.initial ? *o.initial : initial_parameters(o.config, o.init, o.seed);
  if (o.initial)
    check_parameters(o.config, params, "overfit_network: initial parameters");
  else if (o.zero_output_layer)
    zero_output_layer(params, o.config);
  std::unique_ptr<Network> net = make_network(o.config, params, o.engine);
  AdamOptimizer adam(params, o.adam);

  const Clock::time_point clock = Clock::now();
  Summary s;
  s.solver = "cnn-overfit";
  Image<float> t, dt, previous;
  Parameters grads = make_parameters(o.config);
  auto finish = [&](TerminationType type, std::string message) {
    s.termination = type;
    s.message = std::move(message);
    s.initial_energy = s.iterations.front().energy;
    s.final_energy = s.iterations.back().energy;
    s.seconds = since(clock);
    if (final_parameters != nullptr) *final_parameters = params;
    return s;
  };

  bool finite = true;
  IterationRecord r;
  put_terms(r, forward_backward(*net, energy.input(), energy, nullptr, t, dt, grads, &finite));
  r.gradient_norm = finite ? l2_norm(grads) : std::nan("");
  r.extras["learning_rate"] = o.adam.learning_rate;
  r.extras["parameter_step"] = 0;
  r.seconds = since(clock);
  s.iterations.push_back(r);
  output = t;
  if (!finite) return finish(TerminationType::failure, "the initial energy is not finite");
  auto callback_stops = [&]() -> bool {
    if (!o.callback) return false;
    const CallbackReturn answer = o.callback(s.iterations.back());
    if (answer == CallbackReturn::continue_solving) return false;
    s.termination = answer == CallbackReturn::abort ? TerminationType::user_abort
                                                    : TerminationType::user_success;
    return true;
  };
  if (callback_stops()) return finish(s.termination, "stopped by the callback at iteration 0");

  Parameters kept = params;
  for (int k = 1; k <= o.max_iterations; ++k) {
    if (o.interrupt != nullptr && o.interrupt->load())
      return finish(TerminationType::user_abort,
                    "interrupted before iteration " + std::to_string(k));
    kept = params;
    const double rate =
        scheduled_learning_rate(o.adam.learning_rate, o.schedule, k, o.max_iterations);
    const double parameter_step = adam.step(params, grads, rate);
    if (std::isnan(parameter_step))
      return finish(TerminationType::failure,
                    "non-finite parameter gradient at iteration " + std::to_string(k - 1));
    net->set_parameters(params);
    previous = t;
    IterationRecord next;
    next.iteration = k;
    put_terms(next, forward_backward(*net, energy.input(), energy, nullptr, t, dt, grads, &finite));
    if (!finite) {
      params = kept;
      return finish(TerminationType::failure, "the energy became non-finite at iteration " +
                                                  std::to_string(k) + "; kept iteration " +
                                                  std::to_string(k - 1));
    }
    double moved = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double d = double(t.data()[i]) - double(previous.data()[i]);
      moved += d * d;
    }
    next.gradient_norm = l2_norm(grads);
    next.step_norm = std::sqrt(moved);
    next.energy_change = s.iterations.back().energy - next.energy;
    next.seconds = since(clock);
    next.extras["learning_rate"] = rate;
    next.extras["parameter_step"] = parameter_step;
    s.iterations.push_back(next);
    output = t;
    if (callback_stops())
      return finish(s.termination, "stopped by the callback at iteration " + std::to_string(k));
    const double before = s.iterations[s.iterations.size() - 2].energy;
    if (o.function_tolerance > 0 &&
        std::abs(next.energy_change) <= o.function_tolerance * std::abs(before))
      return finish(TerminationType::convergence,
                    "relative energy change below function_tolerance");
  }
  return finish(TerminationType::no_convergence,
                "reached max_iterations = " + std::to_string(o.max_iterations));
}

}  // namespace ismooth::network
