// Trained models as driver methods (method_models.hpp).
#include "drivers/method_models.hpp"

#include <cstdio>
#include <optional>
#include <utility>

#include "ismooth/error.hpp"
#include "ismooth/network/default_model.hpp"

namespace ismooth::experiments {

namespace {

/// NAME and FILE of one --use-model value; throws if it has no '='.
std::pair<std::string, std::string> split_use_model(const std::string& value) {
  const auto eq = value.find('=');
  require(eq != std::string::npos && eq > 0 && eq + 1 < value.size(), "--use-model ", value,
          ": expected NAME=FILE (e.g. texture=texture.model)");
  return {value.substr(0, eq), value.substr(eq + 1)};
}

std::optional<fs::path> use_model_file(const DriverOptions& o, const std::string& name) {
  std::optional<fs::path> file;
  for (const std::string& v : o.use_models) {  // the last one given wins
    const auto [n, f] = split_use_model(v);
    if (n == name) file = f;
  }
  return file;
}

}  // namespace

void check_use_models(const DriverOptions& o) {
  for (const std::string& v : o.use_models) {
    const auto [name, file] = split_use_model(v);
    std::string known;
    bool registered = false;
    for (const network::ShippedModel& m : network::shipped_models()) {
      known += (known.empty() ? "" : ", ") + std::string(m.name);
      registered = registered || m.name == name;
    }
    require(registered, "--use-model ", v, ": ", name, " is not a model name (", known, ")");
    require(fs::is_regular_file(file), "--use-model ", v, ": no such model file ", file);
  }
}

MethodModel method_model(const DriverOptions& o, const std::string& name) {
  if (const auto file = use_model_file(o, name)) return {name, *file, "ok"};
  if (network::shipped_model(name).shipped) return {name, network::shipped_model_path(name), "ok"};
  std::printf(
      "note: the %s model is not shipped yet: its rows say \"not shipped\" (give a file with "
      "--use-model %s=FILE)\n",
      name.c_str(), name.c_str());
  return {name, {}, "not shipped"};
}

}  // namespace ismooth::experiments
