// What fig12 and fig13 share (scene_drivers.hpp).
#include "drivers/scene_drivers.hpp"

#include <cstdio>

#include "drivers/result_cache.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/solvers/adam.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

SceneSetup scene_setup(const DriverOptions& o) {
  SceneSetup s{o.quick ? 3 : 12, o.quick ? 64 : 160, o.adam_iterations};
  if (o.count > 0) s.scenes = o.count;
  if (o.max_side > 0) s.side = o.max_side;
  return s;
}

std::vector<TestImage> scene_photos(const DriverOptions& o, const std::string& driver) {
  if (o.images.empty() && !o.quick) {
    std::printf("note: no --images: %s's photo half is skipped (only the synthetic scenes)\n",
                driver.c_str());
    return {};
  }
  return load_test_images(o, o.quick ? 48 : kFullTestSide);
}

Image<float> adam_solve(const Image<float>& input, Preset preset, const PresetInputs& inputs,
                        int iterations) {
  const auto energy = make_energy(input, preset, preset_params(preset), inputs);
  Image<float> t = input;
  AdamOptions options;
  options.max_iterations = iterations;
  (void)solve_adam(options, energy, t);
  return t;
}

void MethodMeans::add(const std::string& method, const std::vector<double>& values) {
  if (!status_.count(method)) {
    order_.push_back(method);
    status_[method] = "ok";
    sums_[method] = std::vector<double>(values.size(), 0.0);
  }
  columns_ = values.size();
  for (std::size_t i = 0; i < values.size(); ++i) sums_[method][i] += values[i];
  ++counts_[method];
}

void MethodMeans::skip(const std::string& method, const std::string& status) {
  if (status_.count(method)) return;
  order_.push_back(method);
  status_[method] = status;
}

std::string MethodMeans::csv(const std::string& header) const {
  std::string out = header + "\n";
  for (const std::string& m : order_) {
    const auto n = counts_.find(m);
    out += m + "," + std::to_string(n == counts_.end() ? 0 : n->second) + "," + status_.at(m);
    for (std::size_t i = 0; i < columns_; ++i)
      out += "," + (n == counts_.end() ? std::string() : csv_number(sums_.at(m)[i] / n->second, 6));
    out += "\n";
  }
  return out;
}

void MethodMeans::print(const std::string& label, const std::vector<std::string>& columns) const {
  std::printf("%-26s", label.c_str());
  for (const std::string& c : columns) std::printf(" %24s", c.c_str());
  std::printf("\n");
  for (const std::string& m : order_) {
    std::printf("%-26s", m.c_str());
    if (ran(m))
      for (std::size_t i = 0; i < columns.size(); ++i) std::printf(" %24.3f", mean(m, i));
    else
      std::printf(" %24s", status_.at(m).c_str());
    std::printf("\n");
  }
}

double MethodMeans::mean(const std::string& method, std::size_t column) const {
  return sums_.at(method)[column] / counts_.at(method);
}

FigureCells::FigureCells(fs::path dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_ / "cells");
}

void FigureCells::add(const std::string& image, const std::string& column,
                      const Image<float>& pixels) {
  const std::string file = "cells/" + image + "_" + column + ".png";
  save_image(pixels, dir_ / file);
  text_ += image + "," + column + ",ok," + file + "\n";
}

void FigureCells::add(const std::string& image, const std::string& column, const Mask& mask) {
  const std::string file = "cells/" + image + "_" + column + ".png";
  save_mask(mask, dir_ / file);
  text_ += image + "," + column + ",ok," + file + "\n";
}

void FigureCells::skip(const std::string& image, const std::string& column,
                       const std::string& status) {
  text_ += image + "," + column + "," + status + ",\n";
}

void FigureCells::write() const { write_text(dir_ / "cells.csv", text_); }

}  // namespace ismooth::experiments
