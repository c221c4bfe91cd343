#pragma once
// The base layers of the application drivers (fig10, fig11): one test image
// smoothed by our network or a classic smoother — WLS and L0 of the library
// (include/ismooth/filters/), bilateral and FGS through the optional OpenCV
// helper classic_filters_apply — rounded to 8 bits (so a cached base and a
// fresh one are the same) and cached under OUT/cache/app_bases/.

#include <memory>
#include <optional>
#include <string>

#include "drivers/driver_options.hpp"
#include "drivers/progress.hpp"
#include "drivers/result_cache.hpp"
#include "drivers/test_images.hpp"
#include "ismooth/smooth.hpp"

namespace ismooth::experiments {

/// Computes and caches base layers; loads the network once.
class AppBases {
 public:
  /// `model`: a model file or shipped name for "ours" (network::resolve_model).
  AppBases(const DriverOptions& o, std::string model);

  /// The base of `image` by `method` (ours, wls, l0, bilateral, fgs), or
  /// nullopt when the method is not installed (OpenCV helper missing).
  std::optional<Image<float>> base(const TestImage& image, const std::string& method,
                                   Progress& progress);

  /// Whether the OpenCV helper for bilateral and FGS was built.
  bool opencv_installed() const { return !helper_.empty(); }
  const std::string& model_path() const { return model_path_; }
  int hits() const { return cache_.hits(); }
  int misses() const { return cache_.misses(); }

 private:
  ResultCache cache_;
  std::string model_path_, model_hash_;
  fs::path helper_;
  std::unique_ptr<Smoother> smoother_;
};

}  // namespace ismooth::experiments
