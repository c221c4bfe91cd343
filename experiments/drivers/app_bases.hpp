#pragma once
// The base layers of the application drivers (fig10–fig13): one test image
// smoothed by a network or a classic smoother — WLS and L0 of the library
// (include/ismooth/filters/); bilateral, FGS, rolling guidance and the
// bilateral texture filter through the optional OpenCV helper
// (opencv_helper.hpp) — rounded to 8 bits (so a cached base and a fresh one
// are the same) and cached under OUT/cache/app_bases/.

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "drivers/driver_options.hpp"
#include "drivers/progress.hpp"
#include "drivers/result_cache.hpp"
#include "drivers/test_images.hpp"
#include "ismooth/smooth.hpp"

namespace ismooth::experiments {

/// Computes and caches base layers; loads each network once.
class AppBases {
 public:
  /// No network methods yet (add_model adds them).
  explicit AppBases(const DriverOptions& o);
  /// With the network method "ours": `model` is a model file or shipped
  /// name (network::resolve_model).
  AppBases(const DriverOptions& o, const std::string& model);

  /// Makes `method` a network method running `model` (a file or shipped name).
  void add_model(const std::string& method, const std::string& model);

  /// The base of `image` by `method` (a network method; wls, l0; bilateral,
  /// fgs, rgf, btf), or nullopt when the method is not installed (OpenCV
  /// helper missing).
  std::optional<Image<float>> base(const TestImage& image, const std::string& method,
                                   Progress& progress);

  /// Whether the OpenCV helper was built.
  bool opencv_installed() const { return !helper_.empty(); }
  /// The model file of the network method "ours".
  const std::string& model_path() const { return models_.at("ours").path; }
  int hits() const { return cache_.hits(); }
  int misses() const { return cache_.misses(); }

 private:
  struct Network {
    std::string path, hash;
    std::unique_ptr<Smoother> smoother;  // loaded on first use
  };
  ResultCache cache_;
  std::map<std::string, Network> models_;
  fs::path helper_;
};

}  // namespace ismooth::experiments
