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
#include "cli/network_shape.hpp"
#include "cli/output_paths.hpp"
#include "gate.hpp"
#include "ismooth/energy_selection.hpp"
#include "ismooth/network/default_model.hpp"
#include "ismooth/network/trainer.hpp"
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
/// model; otherwise a path, which must exist.
fs::path model_file(const py::object& path_or_name) {
  const std::string text = path_text(path_or_name, "model");
  if (text.empty() || text == "default") {
    const fs::path installed = installed_model();
    return installed.empty() ? network::default_model_path() : installed;
  }
  require_exists(text, "model");
  return text;
}

}  // namespace

std::filesystem::path default_model_file() { return model_file(py::none()); }

namespace {

SmoothOptions smooth_options(const py::object& path_or_name, const EngineChoice& e) {
  SmoothOptions o;
  o.engine = cli::engine_for_device(e.device, "device");
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

py::dict train(const py::object& data, const py::object& out, const py::kwargs& given) {
  py::kwargs kw = py::reinterpret_steal<py::kwargs>(PyDict_Copy(given.ptr()));
  const std::string out_path = path_text(out, "out");
  const std::string preset = take<std::string>(kw, "preset", "smoothing");
  const std::string energy = take<std::string>(kw, "energy", "adaptive");
  const std::string gradient = take<std::string>(kw, "gradient", "");
  network::TrainerOptions o;
  o.max_short_side = take(kw, "max_side", 512);
  o.crop = take(kw, "crop", 224);
  o.flip = take(kw, "flip", true);
  o.epochs = take(kw, "epochs", 30);
  o.steps_per_epoch = take<std::int64_t>(kw, "steps_per_epoch", 0);
  o.batch = take(kw, "batch", 1);
  require(o.batch >= 1, "ismooth.train: batch must be >= 1, got ", o.batch);
  o.val_crop = take(kw, "val_crop", 0);
  o.seed = take<std::uint64_t>(kw, "seed", 0);
  o.config.width = take(kw, "width", 64);
  const int blocks = take(kw, "blocks", 10);
  o.config.dilations = take<std::vector<int>>(kw, "dilations", cli::paper_dilations(blocks));
  o.config.blocks = int(o.config.dilations.size());
  o.config.validate("ismooth.train");
  const std::string init = take<std::string>(kw, "init", "uniform");
  require(init == "uniform" || init == "he", "init ", init, ": expected uniform or he");
  o.init = init == "he" ? network::InitScheme::he : network::InitScheme::uniform_code;
  o.zero_output_layer = !take(kw, "random_output_layer", false);
  o.engine = cli::engine_for_device(take<std::string>(kw, "device", "cpu"), "device");
  // bf16: mixed precision where the CPU has AVX512-BF16 (as --precision; a
  // clear error, not a slow path, elsewhere).
  cli::apply_precision(o.engine, take<std::string>(kw, "precision", "fp32"));
  // threads: OpenMP threads for this call (0 = the default), restored after.
  const int threads = take(kw, "threads", 0);
  require(threads >= 0, "ismooth.train: threads must be >= 0 (0 = the default), got ", threads);
  o.adam.learning_rate = take(kw, "lr", 0.01);
  const std::string schedule = take<std::string>(kw, "lr_schedule", "constant");
  require(schedule == "constant" || schedule == "cosine", "lr_schedule ", schedule,
          ": expected constant or cosine");
  o.schedule = schedule == "cosine" ? network::LearningRateSchedule::cosine
                                    : network::LearningRateSchedule::constant;
  o.resume = take(kw, "resume", false);
  o.checkpoint_seconds = 60 * take(kw, "checkpoint_minutes", 5.0);
  const std::string checkpoint =
      path_text(take<py::object>(kw, "checkpoint", py::none()), "checkpoint");
  const py::object val = take<py::object>(kw, "val", py::none());
  const std::string init_from =
      path_text(take<py::object>(kw, "init_from", py::none()), "init_from");
  const py::object callback = take<py::object>(kw, "callback", py::none());

  // What is left are energy parameters, as `--set` (unknown keys: set_parameter's message).
  EnergyRules rules;
  rules.defaults = network::default_training_params;
  rules.finish = [&](EnergyParams& params) {
    if (!gradient.empty()) set_parameter(params, "gradient", gradient);
  };
  const EnergySelection e =
      select_energy(preset, energy, parameter_overrides(kw), rules, "energy parameters");
  o.preset = e.preset;
  o.params = e.params;
  o.pmap = e.pmap;
  if (!init_from.empty()) {
    require_exists(init_from, "init_from");
    network::Model start = network::load_model(init_from);
    require(start.config.describe() == o.config.describe(), "init_from ", init_from,
            ": its network is ", start.config.describe(), ", this run's is ", o.config.describe(),
            " (pass the same width/blocks/dilations)");
    o.initial = std::move(start.parameters);
    o.initial_name = init_from;
  }
  o.checkpoint = !checkpoint.empty() ? fs::path(checkpoint)
                 : out_path.empty()  ? fs::path()
                                     : fs::path(out_path + ".ckpt");
  o.model_out = out_path;
  const bool data_is_folder = !py::isinstance<py::list>(data) && !py::isinstance<py::tuple>(data);
  const std::string data_dir = data_is_folder ? path_text(data, "data") : "";
  const std::string val_dir =
      !val.is_none() && !py::isinstance<py::list>(val) && !py::isinstance<py::tuple>(val)
          ? path_text(val, "val")
          : "";
  cli::check_outputs({{"out", out_path}, {"checkpoint", o.checkpoint}},
                     {{"data", data_dir}, {"val", val_dir}, {"init_from", init_from}});
  std::string why;
  if (!o.IsValid(&why)) fail(why);
  require(!o.resume || fs::exists(o.checkpoint), "resume: no checkpoint at '",
          o.checkpoint.string(), "'");

  const network::ImageSet train_set = image_set(data, "data", o.max_short_side);
  std::optional<network::ImageSet> val_set;
  if (!val.is_none()) val_set = image_set(val, "val", o.max_short_side);
  PythonGate gate;
  o.callback = gate.record_callback(&callback);
  const int saved_threads = omp_get_max_threads();
  if (threads > 0) omp_set_num_threads(threads);
  struct RestoreThreads {
    int n;
    ~RestoreThreads() { omp_set_num_threads(n); }
  } restore{saved_threads};
  const Summary s =
      gate.run([&] { return network::train_network(o, train_set, val_set ? &*val_set : nullptr); });
  if (s.termination == TerminationType::failure)
    raise_solver_error("training failed: " + s.message, s);
  return summary_dict(s);
}

}  // namespace ismooth::python
