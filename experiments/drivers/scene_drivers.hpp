#pragma once
// What fig12 and fig13 (texture removal and content-aware smoothing, paper
// Sec. 7.3–7.4) share: the sizes of the synthetic scenes, the per-image
// solver, the means table with a status per method, the figure's cells, and
// the test photos of their photo half.

#include <map>
#include <string>
#include <vector>

#include "drivers/driver_options.hpp"
#include "drivers/test_images.hpp"
#include "ismooth/image.hpp"
#include "ismooth/presets.hpp"

namespace ismooth::experiments {

/// The synthetic scenes of a run: 12 of 160 × 160 (quick: 3 of 64 × 64);
/// --count and --max-side override.
struct SceneSetup {
  int scenes, side, iterations;
};
SceneSetup scene_setup(const DriverOptions& o);

/// The test photos of the photo half: --images (long side 128 or
/// --max-side, first --count), or with --quick two samples at 48 px; none
/// (with a note) when neither is given, so the synthetic half still runs.
std::vector<TestImage> scene_photos(const DriverOptions& o, const std::string& driver);

/// Adam from T = I on the preset's own energy (the adaptive map, the
/// preset's parameters: what its network is trained on).
Image<float> adam_solve(const Image<float>& input, Preset preset, const PresetInputs& inputs,
                        int iterations);

/// Means per method of the named columns, in first-seen method order, with
/// a status per method: "ok" or why it did not run ("not installed", "not
/// shipped").
class MethodMeans {
 public:
  void add(const std::string& method, const std::vector<double>& values);
  void skip(const std::string& method, const std::string& status);
  /// `header` (method,scenes,status,...), then one row per method.
  std::string csv(const std::string& header) const;
  /// The table on stdout: `label` and `columns` as headings, a row per
  /// method (its means, or its status).
  void print(const std::string& label, const std::vector<std::string>& columns) const;
  bool ran(const std::string& method) const { return counts_.count(method) > 0; }
  double mean(const std::string& method, std::size_t column) const;
  const std::vector<std::string>& order() const { return order_; }
  const std::string& status(const std::string& method) const { return status_.at(method); }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::vector<double>> sums_;
  std::map<std::string, int> counts_;
  std::map<std::string, std::string> status_;
  std::size_t columns_ = 0;
};

/// cells.csv of a figure (image,column,status,file) and its PNGs under
/// DIR/cells/; a skipped cell has a status and no file.
class FigureCells {
 public:
  explicit FigureCells(fs::path dir);
  void add(const std::string& image, const std::string& column, const Image<float>& pixels);
  void add(const std::string& image, const std::string& column, const Mask& mask);
  void skip(const std::string& image, const std::string& column, const std::string& status);
  void write() const;

 private:
  fs::path dir_;
  std::string text_ = "image,column,status,file\n";
};

}  // namespace ismooth::experiments
