// ismooth.Model, smooth and train: the tool's `smooth` and `train` on numpy
// arrays and folders, through ismooth::Smoother and train_network.
#include <dlfcn.h>
#include <omp.h>
#include <pybind11/stl.h>

#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "arrays.hpp"
#include "calls.hpp"
#include "cli/device_options.hpp"
#include "cli/train_run.hpp"
#include "gate.hpp"
#include "ismooth/network/default_model.hpp"
#include "ismooth/network/overfit.hpp"
#include "keywords.hpp"

namespace ismooth::python {

namespace {

namespace fs = std::filesystem;

/// The shipped model for a module installed under a prefix: default.model
/// lies at ISMOOTH_MODEL_FROM_MODULE from the module's folder. Empty when
/// ISMOOTH_MODEL is set or no file is there (then default_model.hpp's
/// lookup applies: ISMOOTH_MODEL, beside the executable, the source tree).
fs::path installed_model() {
  const char* variable = std::getenv(network::kDefaultModelVariable);
  if (variable != nullptr && *variable != '\0') return {};
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&installed_model), &info) == 0 || info.dli_fname == nullptr)
    return {};
  const fs::path model = fs::path(info.dli_fname).parent_path() / ISMOOTH_MODEL_FROM_MODULE;
  std::error_code ec;
  return fs::is_regular_file(model, ec) ? model.lexically_normal() : fs::path();
}

/// The model file `path_or_name` names: None or "default" = the shipped
/// model; a shipped model's name ("detail", ...; an existing file of that
/// name wins, as in the tool); otherwise a path, which must exist.
fs::path model_file(const py::object& path_or_name) {
  const std::string text = path_text(path_or_name, "model");
  if (text.empty() || text == "default") {
    const fs::path installed = installed_model();
    return installed.empty() ? network::default_model_path(Spelling::keyword) : installed;
  }
  std::error_code ec;
  if (!fs::is_regular_file(text, ec))
    for (const network::ShippedModel& m : network::shipped_models())
      if (m.name == text) return network::shipped_model_path(m.name, Spelling::keyword);
  require_exists(text, "model");
  return text;
}

}  // namespace

std::filesystem::path default_model_file() { return model_file(py::none()); }

namespace {

SmoothOptions smooth_options(const py::object& path_or_name, const EngineChoice& e) {
  SmoothOptions o;
  o.engine = cli::engine_for_device(e.device, Spelling::keyword);
  o.engine.max_cached_sizes = 1;  // as `ismooth smooth`
  o.engine.precision = network::parse_precision(e.precision);
  o.inference.postprocess = e.postprocess;
  require(std::isfinite(e.max_memory_mib) && e.max_memory_mib >= 0, "max_memory_mib ",
          e.max_memory_mib, ": expected a number of MiB >= 0 (0 = no limit)");
  o.inference.max_memory_bytes = std::size_t(e.max_memory_mib * 1024.0 * 1024.0);
  o.inference.tile = e.tile;
  o.model = model_file(path_or_name);
  return o;
}

/// Removes `key` from `kwargs`: its value, or `fallback` when absent or None.
template <class T>
T take(py::kwargs& kwargs, const char* key, T fallback) {
  return take_keyword<T>(kwargs, key).value_or(std::move(fallback));
}

/// `data` of train: a folder (str or os.PathLike) or a list of images.
network::ImageSet image_set(const py::object& data, const std::string& what, int max_side) {
  if (py::isinstance<py::list>(data) || py::isinstance<py::tuple>(data)) {
    std::vector<Image<float>> images;
    std::vector<std::string> names;
    for (const py::handle item : data) {
      names.push_back(what + "[" + std::to_string(images.size()) + "]");
      images.push_back(to_image<float>(item, names.back()).image);
    }
    require(!images.empty(), what, ": no images");
    return network::ImageSet::from_images(images, names, max_side);
  }
  const std::string dir = path_text(data, what);
  require_exists(dir, what);
  std::vector<std::string> skipped;
  network::ImageSet set;
  {
    py::gil_scoped_release release;
    set = network::ImageSet::load(dir, max_side, &skipped);
  }
  for (const auto& s : skipped)
    PyErr_WarnEx(PyExc_UserWarning, ("ismooth.train: skipped " + s).c_str(), 1);
  return set;
}

}  // namespace

// ---------------------------------------------------------------- Model

Model::Model(const py::object& path_or_name, const EngineChoice& engine) {
  const SmoothOptions o = smooth_options(path_or_name, engine);
  py::gil_scoped_release release;
  smoother_ = std::make_unique<Smoother>(o);
}

py::array_t<float> Model::smooth(const py::handle& image) {
  const InputImage<float> in = to_image<float>(image, "image");
  Image<float> out;
  {
    py::gil_scoped_release release;
    const std::lock_guard<std::mutex> one_at_a_time(lock_);
    out = (*smoother_)(in.image);
  }
  return from_image(out, in.grey);
}

py::dict Model::config() const {
  const network::Model& m = smoother_->model();
  py::dict d;
  d["width"] = m.config.width;
  d["blocks"] = m.config.blocks;
  d["dilations"] = m.config.dilations;
  d["residual_image"] = m.config.residual_image;
  d["description"] = m.config.describe();
  d["path"] = path();
  d["engine"] = smoother_->network().engine_info();
  py::dict metadata;
  for (const auto& [key, value] : m.metadata) metadata[py::str(key)] = value;
  d["metadata"] = metadata;
  return d;
}

std::string Model::repr() const {
  return "ismooth.Model('" + path() + "', " + smoother_->model().config.describe() + ")";
}

py::array_t<float> smooth(const py::handle& image, const py::object& model,
                          const EngineChoice& engine) {
  if (py::isinstance<Model>(model)) {
    require(engine.device == "cpu" && engine.precision == "fp32" && engine.postprocess &&
                engine.max_memory_mib == EngineChoice{}.max_memory_mib && engine.tile == 0,
            "smooth: with an ismooth.Model, the engine settings are the Model's "
            "(ismooth.Model(path, device=..., ...))");
    return model.cast<Model&>().smooth(image);
  }
  Model m(model, engine);
  return m.smooth(image);
}

// ---------------------------------------------------------------- train

namespace {

/// The numeric keywords of train and overfit: `ismooth train`'s flags
/// (cli::add_train_numbers), ranges and all; each function takes its own.
const std::vector<std::string> kTrainNumbers = {
    "epochs", "crop", "width",      "blocks",   "dilations",          "seed",    "steps_per_epoch",
    "batch",  "lr",   "stop_after", "max_side", "checkpoint_minutes", "val_crop"};
const std::vector<std::string> kOverfitNumbers = {"iterations", "width", "blocks",
                                                  "dilations",  "seed",  "lr"};

/// The keywords train and overfit share, into `a`: the network, its start,
/// the engine, the energy's names, the log. `numbers`: the keywords of
/// kTrainNumbers or kOverfitNumbers.
void take_common(cli::TrainArgs& a, py::kwargs& kw, const std::vector<std::string>& numbers) {
  a.blocks_given = kw.contains("blocks") && !kw["blocks"].is_none();
  CLI::App scratch;  // the command's numeric flags, to check the keywords alike
  cli::NumericFlags flags;
  cli::add_train_numbers(scratch, flags, a);
  take_numbers(kw, flags, numbers);
  a.energy.preset = take<std::string>(kw, "preset", a.energy.preset);
  a.energy.energy = take<std::string>(kw, "energy", a.energy.energy);
  a.gradient = take<std::string>(kw, "gradient", "");
  a.init = take<std::string>(kw, "init", a.init);
  a.init_from = path_text(take<py::object>(kw, "init_from", py::none()), "init_from");
  if (!a.init_from.empty()) require_exists(a.init_from, "init_from");
  a.random_output_layer = take(kw, "random_output_layer", false);
  a.schedule = take<std::string>(kw, "lr_schedule", a.schedule);
  a.device = take<std::string>(kw, "device", a.device);
  a.precision = take<std::string>(kw, "precision", a.precision);
  a.log = path_text(take<py::object>(kw, "log", py::none()), "log");
}

/// The energy of the run; the keywords left in `kw` are its parameters.
EnergySelection take_energy(cli::TrainArgs& a, py::kwargs& kw) {
  a.energy.sets = parameter_overrides(kw);
  return cli::select_training_energy(a, Spelling::keyword);
}

/// threads: OpenMP threads for this call (0 = the default), restored after.
class ThreadsForCall {
 public:
  explicit ThreadsForCall(int threads) : saved_(omp_get_max_threads()) {
    require(threads >= 0, "threads must be >= 0 (0 = the default), got ", threads);
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ThreadsForCall() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

bool is_list(const py::object& data) {
  return py::isinstance<py::list>(data) || py::isinstance<py::tuple>(data);
}

/// A folder argument's path, "" for a list of images or None.
std::string folder_text(const py::object& data, const char* what) {
  return data.is_none() || is_list(data) ? "" : path_text(data, what);
}

}  // namespace

py::dict train(const py::object& data, const py::object& out, const py::kwargs& given) {
  py::kwargs kw = py::reinterpret_steal<py::kwargs>(PyDict_Copy(given.ptr()));
  cli::TrainArgs a;
  a.out = path_text(out, "out");
  a.batch = 1;
  take_common(a, kw, kTrainNumbers);
  a.no_flip = !take(kw, "flip", true);
  a.resume = take(kw, "resume", false);
  a.checkpoint = path_text(take<py::object>(kw, "checkpoint", py::none()), "checkpoint");
  a.masks = path_text(take<py::object>(kw, "masks", py::none()), "masks");
  const py::object val = take<py::object>(kw, "val", py::none());
  const py::object callback = take<py::object>(kw, "callback", py::none());
  const ThreadsForCall threads(take(kw, "threads", 0));
  const EnergySelection e = take_energy(a, kw);
  a.data = folder_text(data, "data");
  a.val = folder_text(val, "val");
  if (!a.data.empty()) require_exists(a.data, "data");
  if (!a.val.empty()) require_exists(a.val, "val");

  network::TrainerOptions o = cli::training_options(a, e, Spelling::keyword);
  const cli::TrainingMasks masks(a, e.preset, Spelling::keyword);
  require(!masks.needed() || a.masks.empty() || a.masks == "auto" || !is_list(data),
          "masks: a folder of masks matches the photos of a data folder by name; with a list of "
          "images use masks='auto'");
  network::ImageSet train_set = image_set(data, "data", a.max_side);
  std::optional<network::ImageSet> val_set;
  if (!val.is_none()) val_set = image_set(val, "val", a.max_side);
  {
    py::gil_scoped_release release;
    masks.attach(train_set, "train");
    if (val_set) masks.attach(*val_set, "val");
  }

  const cli::TrainingLength length = cli::training_length(a, train_set.size(), a.batch);
  cli::TrainingLog log = cli::TrainingLog::for_training(a, o);
  cli::StopClock stop_after(a.stop_after, length.total);
  PythonGate gate;
  const IterationCallback user = gate.record_callback(&callback);
  o.callback = [&](const IterationRecord& r) {
    log.add(r);
    const CallbackReturn answer = user(r);
    if (answer != CallbackReturn::continue_solving) return answer;
    return stop_after.due(r) ? CallbackReturn::stop_with_success : answer;
  };
  const Summary s = gate.run([&] {
    Summary run = network::train_network(o, train_set, val_set ? &*val_set : nullptr);
    log.finish(run);
    return run;
  });
  if (s.termination == TerminationType::failure)
    raise_solver_error("training failed: " + s.message, s);
  py::dict d = summary_dict(s);
  d["stopped_early"] = stop_after.stopped();
  return d;
}

py::tuple overfit(const py::handle& image, const py::object& out, const py::handle& edges,
                  const py::handle& mask, const py::kwargs& given) {
  py::kwargs kw = py::reinterpret_steal<py::kwargs>(PyDict_Copy(given.ptr()));
  cli::TrainArgs a;
  a.out = path_text(out, "out");
  take_common(a, kw, kOverfitNumbers);
  const py::object callback = take<py::object>(kw, "callback", py::none());
  const ThreadsForCall threads(take(kw, "threads", 0));
  const EnergySelection e = take_energy(a, kw);
  network::OverfitOptions o = cli::overfit_options(a, Spelling::keyword);
  const InputImage<float> in = to_image<float>(image, "image");
  double identity = 0;
  const auto energy = cli::overfit_energy(in.image, e, preset_inputs(edges, mask, in.image),
                                          Spelling::keyword, &identity);
  cli::TrainingLog log(a.log, cli::overfit_log_extras());
  PythonGate gate;
  const IterationCallback user = gate.record_callback(&callback);
  o.callback = [&](const IterationRecord& r) {
    log.add(r);
    return user(r);
  };
  Image<float> output;
  network::Parameters weights;
  const Summary s = gate.run([&] {
    Summary run = network::overfit_network(o, energy, output, &weights);
    log.finish(run);
    return run;
  });
  // A failed fit (non-finite energy) writes no model: it would hold the
  // weights that produced it.
  if (s.termination == TerminationType::failure)
    raise_solver_error("over-fitting failed: " + s.message, s);
  cli::save_overfit_model(a, o, e, weights, s, "a numpy array");
  py::dict d = summary_dict(s);
  d["identity_energy"] = identity;
  return py::make_tuple(from_image(output, in.grey), d);
}

}  // namespace ismooth::python
