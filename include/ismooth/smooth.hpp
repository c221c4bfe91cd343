#pragma once
/// \file
/// Smoothing with the trained network in one call (part of ismooth::network),
/// as OpenCV pairs a one-call filter with its object form:
///
///     Image<float> out = ismooth::smooth(load_image("in.png"));   // shipped model, CPU
///
///     ismooth::Smoother smoother({.model = "my.model"});         // load once,
///     for (...) save_image(smoother(load_image(f)), g);           // smooth many
///
/// Both run the network of a model file (network/model_file.hpp; the shipped
/// model of default_model.hpp unless SmoothOptions::model names one) and the
/// authors' per-channel gain matching (inference.hpp), whole or in tiles with
/// the same result when the image exceeds the memory budget
/// (tiled_inference.hpp). Images are (3, H, W) floats on the 0–255 scale;
/// the result is clamped to [0, 255] unless postprocessing is switched off.
/// `ismooth smooth` is this plus file handling.

#include <filesystem>
#include <memory>
#include <string>

#include "ismooth/image.hpp"
#include "ismooth/network/inference.hpp"
#include "ismooth/network/model_file.hpp"
#include "ismooth/network/network.hpp"

namespace ismooth {

/// What smooth() and Smoother use. The defaults are `ismooth smooth`'s.
struct SmoothOptions {
  /// The model file or a shipped model's name (network::resolve_model: a file
  /// wins); empty: network::default_model_path() (ISMOOTH_MODEL,
  /// the installed model, the source tree's).
  std::filesystem::path model;
  /// Engine (kind: oneDNN CPU or CUDA; precision: fp32, or tf32/bf16/fp16 on
  /// CUDA; cached sizes). make_network refuses an engine that cannot run.
  network::EngineOptions engine;
  /// Gain matching (postprocess), memory budget per image and forced tiling.
  network::InferenceOptions inference;

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error = nullptr) const;
};

/// The object form: loads the model and builds its network once, then
/// smooths any number of images (of any sizes). Not thread-safe, as Network.
class Smoother {
 public:
  /// Loads the model and makes the network; throws ismooth::Error for invalid
  /// options, a missing or corrupt model file, or an engine that cannot run.
  explicit Smoother(const SmoothOptions& options = {});

  /// The smoothed `image` ((3, H, W), 0–255); what happened goes to `*report`.
  Image<float> operator()(const Image<float>& image, network::InferenceReport* report = nullptr);

  /// The model file used, the model, and the network running it.
  const std::filesystem::path& model_path() const { return model_path_; }
  const network::Model& model() const { return model_; }
  network::Network& network() { return *net_; }

 private:
  network::InferenceOptions inference_;
  std::filesystem::path model_path_;
  network::Model model_;
  std::unique_ptr<network::Network> net_;
};

/// `image` smoothed by the network of `options` (default: the shipped model
/// on the CPU, gain-matched, tiled beyond 6 GiB). Loads the model on every
/// call: to smooth many images, make one Smoother.
Image<float> smooth(const Image<float>& image, const SmoothOptions& options = {});

}  // namespace ismooth
