// The shipped model's lookup (include/ismooth/network/default_model.hpp).
#include <doctest/doctest.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "ismooth/network/default_model.hpp"
#include "ismooth/network/inference.hpp"
#include "ismooth/network/model_file.hpp"
#include "ismooth/network/parameters.hpp"

using namespace ismooth;
using namespace ismooth::network;
namespace fs = std::filesystem;

namespace {

// Sets ISMOOTH_MODEL for the scope, restoring the caller's value after.
class ScopedModelVariable {
 public:
  explicit ScopedModelVariable(const char* value) {
    if (const char* old = std::getenv(kDefaultModelVariable)) old_ = old;
    if (value != nullptr)
      setenv(kDefaultModelVariable, value, 1);
    else
      unsetenv(kDefaultModelVariable);
  }
  ~ScopedModelVariable() {
    if (old_)
      setenv(kDefaultModelVariable, old_->c_str(), 1);
    else
      unsetenv(kDefaultModelVariable);
  }
  ScopedModelVariable(const ScopedModelVariable&) = delete;
  ScopedModelVariable& operator=(const ScopedModelVariable&) = delete;

 private:
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("default model: installed location beside the executable, then the source tree") {
  const std::vector<fs::path> places = default_model_candidates();
  REQUIRE(places.size() == 2);
  // <exe dir>/../share/ismooth/models/default.model
  CHECK(places[0].filename() == "default.model");
  CHECK(places[0].parent_path().filename() == "models");
  CHECK(places[0].parent_path().parent_path().filename() == "ismooth");
  CHECK(places[1].filename() == "default.model");
  CHECK(places[1].is_absolute());
}

TEST_CASE("default model: without ISMOOTH_MODEL the shipped model is found, loads and runs") {
  const ScopedModelVariable unset(nullptr);
  const fs::path path = default_model_path();
  INFO("default model: " << path);
  CHECK(fs::is_regular_file(path));
  // Its weights will change when the trained model lands: only check that it
  // is a model that smooths an image.
  const Model model = load_model(path);
  const Image<float> input = make_image<float>(23, 17, 120.0f);
  const Image<float> out = smooth_with_model(model, input);
  CHECK(out.shape() == input.shape());
}

TEST_CASE("default model: ISMOOTH_MODEL overrides, and must name a file") {
  const fs::path dir = fs::temp_directory_path() / "ismooth-default-model-test";
  fs::create_directories(dir);
  const fs::path file = dir / "mine.model";
  const NetworkConfig config = NetworkConfig::tiny(4, {1});
  save_model(file, Model{config, initial_parameters(config), {}});
  {
    const ScopedModelVariable env(file.c_str());
    CHECK(default_model_path() == file);
    CHECK(load_model(default_model_path()).config == config);
  }
  {
    const fs::path missing = dir / "missing.model";
    const ScopedModelVariable env(missing.c_str());
    try {
      (void)default_model_path();
      FAIL("expected ismooth::Error");
    } catch (const Error& e) {
      const std::string what = e.what();
      CHECK(what.find("ISMOOTH_MODEL") != std::string::npos);
      CHECK(what.find(missing.string()) != std::string::npos);
    }
  }
  {
    const ScopedModelVariable empty("");  // empty = not set
    CHECK(fs::is_regular_file(default_model_path()));
  }
  fs::remove_all(dir);
}

TEST_CASE("shipped models: the registry, lookup by name, and the errors") {
  const auto& models = shipped_models();
  REQUIRE(models.size() >= 2);
  CHECK(models.front().name == "smoothing");
  CHECK(models.front().file == "default.model");
  CHECK(shipped_model("smoothing").shipped);
  // By name: the same file the default lookup finds (without ISMOOTH_MODEL).
  const ScopedModelVariable unset(nullptr);
  CHECK(fs::equivalent(shipped_model_path("smoothing"), default_model_path()));
  CHECK(fs::equivalent(resolve_model("smoothing"), default_model_path()));
  // An unknown name lists the known ones; a registered model not yet
  // shipped says so.
  try {
    (void)resolve_model("no-such-model");
    FAIL("an unknown name was accepted");
  } catch (const ismooth::Error& e) {
    CHECK(std::string(e.what()).find("smoothing, smoothing-w64, smoothing-adaptive, detail") != std::string::npos);
    CHECK(std::string(e.what()).rfind("--model no-such-model: no such model file", 0) == 0);
  }
  // The Python module's words: the keyword, not the flag.
  try {
    (void)resolve_model("no-such-model", ismooth::Spelling::keyword);
    FAIL("an unknown name was accepted");
  } catch (const ismooth::Error& e) {
    CHECK(std::string(e.what()).rfind("model no-such-model: no such model file", 0) == 0);
  }
  if (!shipped_model("detail").shipped) {
    try {
      (void)shipped_model_path("detail");
      FAIL("the unshipped detail model was found");
    } catch (const ismooth::Error& e) {
      CHECK(std::string(e.what()).find("not shipped yet") != std::string::npos);
    }
  }
  // A path always wins over a name.
  CHECK(resolve_model(default_model_path().string()) == default_model_path());
}
