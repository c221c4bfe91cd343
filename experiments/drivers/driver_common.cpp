// Shared parts of the experiment drivers (driver_common.hpp).
#include "drivers/driver_common.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/trainer.hpp"

#ifndef ISMOOTH_SCRIPTS_DIR
#define ISMOOTH_SCRIPTS_DIR "experiments/scripts"
#endif

namespace ismooth::experiments {

namespace {

std::atomic<bool> g_interrupt{false};

extern "C" void on_experiment_interrupt(int) { g_interrupt.store(true); }

const char* const kSampleDir = "/usr/lib/python3/dist-packages/skimage/data";

/// A deterministic picture (flat square on a ramp, edges, mild noise) where
/// the scikit-image samples are not installed.
Image<float> synthetic_image(std::size_t h, std::size_t w, std::uint64_t seed) {
  Image<float> im = make_image<float>(h, w);
  std::uint64_t state = seed * 7919 + 17;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const bool in = y > h / 4 && y < 3 * h / 4 && x > w / 4 && x < 3 * w / 4;
      for (std::size_t c = 0; c < 3; ++c) {
        const double noise = double(network::uniform_below(state, 9)) - 4;
        const double v = in ? 200.0 - 40.0 * c : 30.0 + 150.0 * x / w + 20.0 * c;
        im(c, y, x) = float(std::clamp(v + noise, 0.0, 255.0));
      }
    }
  return im;
}

Image<float> fit_long_side(const Image<float>& image, int max_side) {
  const std::size_t h = height(image), w = width(image), longest = std::max(h, w);
  if (max_side <= 0 || longest <= std::size_t(max_side)) return image;
  const double s = double(max_side) / double(longest);
  return network::resize_area(image, std::max<std::size_t>(1, std::size_t(std::lround(h * s))),
                              std::max<std::size_t>(1, std::size_t(std::lround(w * s))));
}

std::vector<Image<float>> samples(const std::vector<std::string>& names, int side,
                                  std::vector<std::string>* used) {
  std::vector<Image<float>> out;
  for (std::size_t k = 0; k < names.size(); ++k) {
    const fs::path p = fs::path(kSampleDir) / names[k];
    if (fs::exists(p)) {
      out.push_back(fit_long_side(load_image(p), side));
      used->push_back(p.stem().string());
    } else {
      out.push_back(synthetic_image(std::size_t(side * 3 / 4), std::size_t(side), k + 1));
      used->push_back("synthetic" + std::to_string(k + 1));
    }
  }
  return out;
}

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_experiment_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return g_interrupt.load(); }
const std::atomic<bool>* interrupt_flag() { return &g_interrupt; }

IterationCallback abort_on_interrupt() {
  return [](const IterationRecord&) {
    return interrupted() ? CallbackReturn::abort : CallbackReturn::continue_solving;
  };
}

std::string hash_text(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

Settings& Settings::add(const std::string& key, const std::string& value) {
  items.emplace_back(key, value);
  return *this;
}

Settings& Settings::add(const std::string& key, double value) { return add(key, number(value)); }

std::string Settings::text() const {
  std::string t;
  for (const auto& [k, v] : items) t += k + "=" + v + "\n";
  return t;
}

ResultCache::ResultCache(const fs::path& out, const std::string& sub) : dir_(out / "cache" / sub) {
  fs::create_directories(dir_);
}

fs::path ResultCache::path(const std::string& name, const Settings& s,
                           const std::string& ext) const {
  return dir_ / (name + "-" + s.hash() + ext);
}

bool ResultCache::lookup(const fs::path& p) {
  if (!fs::exists(p)) return false;
  ++hits_;
  return true;
}

void write_text(const fs::path& path, const std::string& text) {
  detail::write_atomically(path, std::vector<unsigned char>(text.begin(), text.end()));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  require(bool(in), "cannot read '", path.string(), "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

const char* const kRecordColumns =
    "iteration,energy,data,flatten,edge,l2_fraction,energy_change,gradient_norm,step_norm,seconds";

std::string record_row(const IterationRecord& r) {
  std::string s = std::to_string(r.iteration);
  for (double v : {r.energy, r.data, r.flatten, r.edge, r.l2_fraction, r.energy_change,
                   r.gradient_norm, r.step_norm, r.seconds})
    s += "," + number(v);
  return s;
}

namespace {
std::string clean(std::string s) {
  std::replace(s.begin(), s.end(), ',', ';');
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}
std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, sep)) out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}
}  // namespace

void write_summary_csv(const fs::path& path, const Summary& s) {
  std::vector<std::string> extras;
  for (const auto& r : s.iterations)
    for (const auto& [k, v] : r.extras)
      if (std::find(extras.begin(), extras.end(), k) == extras.end()) extras.push_back(k);
  std::string out = "# " + clean(s.solver) + "," + to_string(s.termination) + "," +
                    clean(s.message) + "," + number(s.seconds) + "\n" + kRecordColumns;
  for (const auto& e : extras) out += "," + e;
  out += "\n";
  for (const auto& r : s.iterations) {
    out += record_row(r);
    for (const auto& e : extras) {
      const auto it = r.extras.find(e);
      out += "," + (it == r.extras.end() ? std::string() : number(it->second));
    }
    out += "\n";
  }
  write_text(path, out);
}

Summary read_summary_csv(const fs::path& path) {
  std::istringstream in(read_text(path));
  std::string line;
  Summary s;
  require(bool(std::getline(in, line)) && line.rfind("# ", 0) == 0, "'", path.string(),
          "': not a summary CSV");
  const auto head = split(line.substr(2), ',');
  s.solver = head.size() > 0 ? head[0] : "";
  s.message = head.size() > 2 ? head[2] : "";
  s.seconds = head.size() > 3 ? std::strtod(head[3].c_str(), nullptr) : 0;
  static const std::vector<std::string> names = {"convergence", "no_convergence", "user_success",
                                                 "user_abort", "failure"};
  for (std::size_t k = 0; k < names.size(); ++k)
    if (head.size() > 1 && head[1] == names[k]) s.termination = TerminationType(k);
  require(bool(std::getline(in, line)), "'", path.string(), "': no header");
  const auto columns = split(line, ',');
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split(line, ',');
    IterationRecord r;
    auto value = [&](std::size_t k) { return std::strtod(cells[k].c_str(), nullptr); };
    require(cells.size() == columns.size(), "'", path.string(), "': ragged row");
    r.iteration = int(value(0));
    double* fields[] = {&r.energy,        &r.data,          &r.flatten,   &r.edge,   &r.l2_fraction,
                        &r.energy_change, &r.gradient_norm, &r.step_norm, &r.seconds};
    for (std::size_t k = 0; k < 9; ++k) *fields[k] = value(k + 1);
    for (std::size_t k = 10; k < columns.size(); ++k)
      if (!cells[k].empty()) r.extras[columns[k]] = value(k);
    s.iterations.push_back(std::move(r));
  }
  require(!s.iterations.empty(), "'", path.string(), "': no records");
  s.initial_energy = s.iterations.front().energy;
  s.final_energy = s.iterations.back().energy;
  return s;
}

std::uint32_t image_crc(const Image<float>& image) {
  return network::crc32(image.data(), image.size() * sizeof(float));
}

std::vector<TestImage> load_test_images(const DriverOptions& o, int default_max_side,
                                        int default_quick_count) {
  const int side = o.max_side > 0 ? o.max_side : default_max_side;
  std::vector<TestImage> out;
  if (o.images.empty()) {
    require(o.quick,
            "no test photos given: pass --images DIR (e.g. the test split fetched by "
            "experiments/scripts/fetch_photos.sh DEST --split test), or --quick");
    const std::vector<std::string> all = {"astronaut.png", "chelsea.png", "coffee.png"};
    const int n = std::min<int>(int(all.size()), o.count > 0 ? o.count : default_quick_count);
    std::vector<std::string> names;
    auto images = samples({all.begin(), all.begin() + n}, side, &names);
    for (std::size_t k = 0; k < images.size(); ++k)
      out.push_back({names[k], std::move(images[k]), 0});
  } else {
    require(fs::is_directory(o.images), "--images ", o.images, ": not a folder");
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(o.images))
      if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    require(!files.empty(), "--images ", o.images, ": no .png/.jpg photos");
    if (o.count > 0 && std::size_t(o.count) < files.size()) files.resize(std::size_t(o.count));
    for (const auto& f : files) {
      std::string name = fs::relative(f, o.images).replace_extension().string();
      std::replace(name.begin(), name.end(), '/', '_');
      out.push_back({name, fit_long_side(load_image(f), side), 0});
    }
  }
  for (auto& t : out) t.crc = image_crc(t.pixels);
  return out;
}

TestImage load_photo(const fs::path& path, int max_side) {
  TestImage t{path.stem().string(), fit_long_side(load_image(path), max_side), 0};
  t.crc = image_crc(t.pixels);
  return t;
}

network::ImageSet load_training_images(const DriverOptions& o, int quick_side) {
  if (o.train_images.empty()) {
    require(o.quick,
            "no training photos given: pass --train-images DIR (e.g. the train split "
            "fetched by experiments/scripts/fetch_photos.sh), or --quick");
    std::vector<std::string> names;
    const auto images =
        samples({"rocket.jpg", "motorcycle_left.png", "retina.jpg"}, quick_side, &names);
    return network::ImageSet::from_images(images, names, quick_side);
  }
  std::vector<std::string> skipped;
  const int side = o.train_max_side > 0 ? o.train_max_side : kFullTrainShortSide;
  auto set = network::ImageSet::load(o.train_images, side, &skipped);
  for (const auto& s : skipped) std::fprintf(stderr, "ismooth: skipped %s\n", s.c_str());
  return set;
}

void Progress::item(const std::string& what, bool cached, double seconds) {
  ++done_;
  if (cached)
    std::fprintf(stderr, "[%s] %d/%d %s (cached)\n", driver_.c_str(), done_, total_, what.c_str());
  else
    std::fprintf(stderr, "[%s] %d/%d %s (%.2f s)\n", driver_.c_str(), done_, total_, what.c_str(),
                 seconds);
}

void Progress::note(const std::string& what) const {
  std::fprintf(stderr, "[%s] %s\n", driver_.c_str(), what.c_str());
}

network::NetworkConfig driver_network_config(const DriverOptions& o) {
  const int width = o.width > 0 ? o.width : (o.quick ? 8 : 32);
  const int blocks = o.blocks > 0 ? o.blocks : (o.quick ? 2 : 6);
  // The paper's dilation pattern cut to `blocks` (as `ismooth train --blocks`).
  const std::vector<int> growing = {2, 2, 4, 4, 8, 8, 16, 16};
  std::vector<int> d;
  for (int i = 0; i < blocks - 2; ++i) d.push_back(i < int(growing.size()) ? growing[i] : 16);
  for (int i = std::max(0, blocks - 2); i < blocks; ++i) d.push_back(1);
  network::NetworkConfig c = network::NetworkConfig::tiny(width, d);
  c.validate("ismooth experiment");
  return c;
}

NetworkSpec default_network_spec(const DriverOptions& o, const network::ImageSet& train) {
  NetworkSpec s;
  s.config = driver_network_config(o);
  s.crop = o.crop > 0 ? o.crop : (o.quick ? 48 : kFullCrop);
  s.epochs = o.epochs > 0 ? o.epochs : (o.quick ? 1 : 4);
  s.steps_per_epoch = o.steps_per_epoch >= 0 ? o.steps_per_epoch
                      : o.quick              ? 40
                                             : std::int64_t(train.size());
  s.lr = o.lr;
  return s;
}

EnergyParams solver_study_params(PMapKind kind) {
  EnergyParams p = preset_params(Preset::smoothing);
  if (kind != PMapKind::adaptive) p.lambda_e = 0;
  return p;
}

network::Model trained_network(const DriverOptions& o, ResultCache& cache, const NetworkSpec& spec,
                               const network::ImageSet& train, Progress& progress,
                               std::string* id) {
  network::TrainerOptions t;
  // The load scale of the training photos (load_training_images), recorded
  // in the settings the cache key and the checkpoint compare.
  t.max_short_side =
      o.train_images.empty() ? 64 : (o.train_max_side > 0 ? o.train_max_side : kFullTrainShortSide);
  t.crop = spec.crop;
  t.epochs = spec.epochs;
  t.steps_per_epoch = spec.steps_per_epoch;
  t.seed = spec.seed;
  t.config = spec.config;
  t.preset = Preset::smoothing;
  t.params = spec.params;
  t.params.gradient = o.gradient == "exact" ? GradientMode::exact : GradientMode::clipped;
  t.pmap = spec.pmap;
  t.adam.learning_rate = spec.lr;
  t.engine = cli::engine_for_device(o.device);
  Settings s;
  for (const auto& [k, v] : network::training_settings(t, train, nullptr)) s.add(k, v);
  // Engines differ in rounding (TF32 on CUDA): their networks are kept apart.
  // The CPU adds nothing, so the keys of earlier CPU runs stay valid.
  if (o.device != "cpu") s.add("device", o.device);
  s.add("epochs", std::to_string(spec.epochs));  // not among the resumable settings
  const fs::path model_path = cache.path(spec.label, s, ".model");
  if (id) *id = model_path.filename().string();
  if (cache.lookup(model_path)) {
    progress.item("network " + spec.label + " " + model_path.filename().string(), true);
    return network::load_model(model_path);
  }
  t.checkpoint = model_path.string() + ".ckpt";
  t.resume = fs::exists(t.checkpoint);
  t.model_out = model_path;
  t.interrupt = interrupt_flag();
  t.checkpoint_seconds = 120;
  const std::int64_t total = std::int64_t(spec.epochs) * spec.steps_per_epoch;
  progress.note("training " + spec.label + " (" + spec.config.describe() + ", " +
                std::to_string(total) + " steps of " + std::to_string(spec.crop) + "² crops" +
                (t.resume ? ", resuming the checkpoint" : "") + ")");
  auto last = std::chrono::steady_clock::now();
  t.callback = [&](const IterationRecord& r) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last).count() > 10 || r.iteration == total) {
      std::fprintf(stderr, "  %s step %d/%lld  E %.6g  %.1f s\n", spec.label.c_str(), r.iteration,
                   static_cast<long long>(total), r.energy, r.seconds);
      last = now;
    }
    return CallbackReturn::continue_solving;
  };
  const auto t0 = std::chrono::steady_clock::now();
  network::Model model;
  const Summary sum = network::train_network(t, train, nullptr, &model);
  if (sum.termination == TerminationType::user_abort && interrupted()) throw Interrupted{};
  require(sum.termination != TerminationType::failure, "training ", spec.label,
          " failed: ", sum.message);
  write_summary_csv(model_path.string() + ".log.csv", sum);
  std::error_code ec;
  fs::remove(t.checkpoint, ec);
  cache.computed();
  progress.item("network " + spec.label, false,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return model;
}

RecordsCsv::RecordsCsv(const std::vector<std::string>& keys) {
  for (const auto& k : keys) text_ += k + ",";
  text_ += std::string(kRecordColumns) + "\n";
}

void RecordsCsv::add(const std::vector<std::string>& key_values, const Summary& s) {
  std::string prefix;
  for (const auto& v : key_values) prefix += clean(v) + ",";
  for (const auto& r : s.iterations) text_ += prefix + record_row(r) + "\n";
}

double mean_energy_at(const std::vector<Summary>& runs, int k) {
  double sum = 0;
  for (const auto& r : runs)
    sum += r.iterations[std::min<std::size_t>(std::size_t(k), r.iterations.size() - 1)].energy;
  return runs.empty() ? std::nan("") : sum / double(runs.size());
}

double mean_final_energy(const std::vector<Summary>& runs) {
  double sum = 0;
  for (const auto& r : runs) sum += r.final_energy;
  return runs.empty() ? std::nan("") : sum / double(runs.size());
}

double mean_seconds(const std::vector<Summary>& runs) {
  double sum = 0;
  for (const auto& r : runs) sum += r.iterations.back().seconds;
  return runs.empty() ? std::nan("") : sum / double(runs.size());
}

int max_iterations(const std::vector<Summary>& runs) {
  int n = 0;
  for (const auto& r : runs) n = std::max(n, r.num_iterations());
  return n;
}

bool plot(const DriverOptions& o, const std::string& sub, const fs::path& dir) {
  if (o.no_plot) return false;
  const char* env = std::getenv("ISMOOTH_PLOT_SCRIPT");
  const fs::path script =
      env ? fs::path(env) : fs::path(ISMOOTH_SCRIPTS_DIR) / "plot_experiments.py";
  const char* python = "/usr/bin/python3";
  if (!fs::exists(python) ||
      std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0) {
    std::fprintf(stderr,
                 "ismooth: warning: /usr/bin/python3 with matplotlib not found "
                 "(apt install python3-matplotlib): no figures drawn; the numbers are in %s\n",
                 dir.string().c_str());
    return false;
  }
  if (!fs::exists(script)) {
    std::fprintf(stderr,
                 "ismooth: warning: plot script %s not found (set ISMOOTH_PLOT_SCRIPT): no "
                 "figures drawn; the numbers are in %s\n",
                 script.string().c_str(), dir.string().c_str());
    return false;
  }
  const std::string cmd = "MPLBACKEND=Agg /usr/bin/python3 '" + script.string() + "' " + sub +
                          " '" + dir.string() + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "ismooth: warning: the plot script failed (%s); numbers are in %s\n",
                 cmd.c_str(), dir.string().c_str());
    return false;
  }
  return true;
}

std::string size_text(const Image<float>& image) {
  return std::to_string(width(image)) + "x" + std::to_string(height(image));
}

double mean_colour_shift(const Image<float>& t, const Image<float>& input) {
  const std::size_t n = height(t) * width(t);
  double total = 0;
  for (std::size_t c = 0; c < 3; ++c) {
    double mt = 0, mi = 0;
    for (std::size_t k = 0; k < n; ++k) {
      mt += t.data()[c * n + k];
      mi += input.data()[c * n + k];
    }
    total += std::abs(mt - mi) / double(n);
  }
  return total / 3;
}

}  // namespace ismooth::experiments
