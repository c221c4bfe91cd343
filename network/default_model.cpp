// The shipped model's location (default_model.hpp).
#include "ismooth/network/default_model.hpp"

#include <cstdlib>
#include <sstream>
#include <system_error>

#include "ismooth/error.hpp"

#ifndef ISMOOTH_INSTALL_DATADIR
#error "ISMOOTH_INSTALL_DATADIR must be defined by the build (network/CMakeLists.txt)"
#endif
#ifndef ISMOOTH_SOURCE_MODEL
#error "ISMOOTH_SOURCE_MODEL must be defined by the build (network/CMakeLists.txt)"
#endif

namespace ismooth::network {

namespace fs = std::filesystem;

std::vector<fs::path> shipped_model_candidates(std::string_view file) {
  std::vector<fs::path> places;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.has_parent_path())
    places.push_back(
        (exe.parent_path() / ".." / ISMOOTH_INSTALL_DATADIR / "ismooth" / "models" / file)
            .lexically_normal());
  places.push_back(fs::path(ISMOOTH_SOURCE_MODEL).parent_path() / file);
  return places;
}

std::vector<fs::path> default_model_candidates() {
  return shipped_model_candidates(shipped_models().front().file);
}

const std::vector<ShippedModel>& shipped_models() {
  // The registry: one row per model in network/models (installed to
  // share/ismooth/models). Add a row when a model is trained and shipped.
  static const std::vector<ShippedModel> models = {
      {"smoothing", "default.model", "smoothing",
       "width 32, 10 blocks, 231 715 parameters; 13 101 steps (69 min, 2 CPU cores) on the "
       "train split, p = 0.8 map",
       "docs/model-card.md", true},
      {"smoothing-w64", "smoothing-w64.model", "smoothing",
       "the paper's width 64, 10 blocks, 920 131 parameters; 11 910 steps (30 epochs, 67 min, "
       "bf16) on the train split, p = 0.8 map: as flat as the default, half its gradient "
       "reversals, 1.2-1.7x its time and twice its memory",
       "docs/models/smoothing-w64.md", true},
      {"smoothing-adaptive", "smoothing-adaptive.model", "smoothing",
       "width 64, 10 blocks; 11 910 steps (30 epochs, 56 min, bf16) on the paper's adaptive "
       "map with the paper's recipe (lr 0.01, random output layer); flattens less",
       "docs/models/smoothing-adaptive.md", true},
      {"detail", "detail.model", "detail",
       "width 32, 10 blocks; the smoothing model fine-tuned 794 steps (2 epochs, 7 min) on the "
       "detail preset's adaptive map (alpha 15, c1 = inf, c2 = 0)",
       "docs/models/detail.md", true},
      {"texture", "texture.model", "texture",
       "width 32, 10 blocks; the smoothing model fine-tuned 794 steps (2 epochs, 5 min) on the "
       "texture preset (h 5, alpha 20, guidance zeroed on texture, no edge term)",
       "docs/models/texture.md", true},
      {"background", "background.model", "background",
       "width 32, 10 blocks; 3 970 steps (10 epochs, 15 min) from T = I on the background "
       "preset (h 5, guidance and B times the detected saliency mask F)",
       "docs/models/background.md", true},
      {"foreground", "foreground.model", "foreground",
       "width 32, 10 blocks; 3 970 steps (10 epochs, 14 min) from T = I on the foreground "
       "preset (h 3, guidance and B times 1 - F)",
       "docs/models/foreground.md", true},
  };
  return models;
}

namespace {
std::string known_names() {
  std::string names;
  for (const ShippedModel& m : shipped_models())
    names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}
}  // namespace

const ShippedModel& shipped_model(std::string_view name) {
  for (const ShippedModel& m : shipped_models())
    if (m.name == name) return m;
  fail("unknown model name '", name, "'; shipped models: ", known_names(),
       " (or pass a model file)");
}

fs::path shipped_model_path(std::string_view name, Spelling spelling) {
  const ShippedModel& m = shipped_model(name);
  require(m.shipped, "the shipped model '", m.name, "' is not shipped yet (", m.summary, "); use ",
          option_setting("model", "smoothing", spelling), " or a model file");
  const std::vector<fs::path> places = shipped_model_candidates(m.file);
  for (const fs::path& p : places) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  std::string where;
  for (const fs::path& p : places) where += (where.empty() ? "" : ", ") + p.string();
  fail("the shipped model '", m.name, "' was not found; searched ", where);
}

fs::path resolve_model(const std::string& name_or_path, Spelling spelling) {
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  for (const ShippedModel& m : shipped_models())
    if (m.name == name_or_path) return shipped_model_path(m.name, spelling);
  fail(option_name("model", spelling), " ", name_or_path,
       ": no such model file, and not the name of a shipped model (", known_names(), ")");
}

fs::path default_model_path(Spelling spelling) {
  if (const char* env = std::getenv(kDefaultModelVariable); env != nullptr && *env != '\0') {
    std::error_code ec;
    require(fs::is_regular_file(env, ec), kDefaultModelVariable, "=", env,
            " does not name a model file (unset it to use the shipped model)");
    return env;
  }
  const std::vector<fs::path> places = default_model_candidates();
  for (const fs::path& p : places) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  std::ostringstream where;
  where << kDefaultModelVariable << " (not set)";
  for (const fs::path& p : places) where << ", " << p.string();
  fail("no default model found; searched ", where.str(), ". Pass ",
       option_setting("model", "FILE", spelling), " or set ", kDefaultModelVariable);
}

}  // namespace ismooth::network
