// Smoothing with a trained network and the authors' post-processing
// (inference.hpp).
#include "ismooth/network/inference.hpp"

#include <algorithm>

#include "ismooth/error.hpp"

namespace ismooth::network {

std::array<double, 3> gain_match_coefficients(const Image<float>& t, const Image<float>& input) {
  require(t.shape() == input.shape(), "gain_match_coefficients: T and I differ in shape");
  require(t.shape()[0] == kChannels, "gain_match_coefficients: expected 3 channels");
  const std::size_t n = height(t) * width(t);
  std::array<double, 3> gain{};
  for (std::size_t c = 0; c < kChannels; ++c) {
    double ti = 0, tt = 0;
    const float* tc = t.data() + c * n;
    const float* ic = input.data() + c * n;
    for (std::size_t k = 0; k < n; ++k) {
      ti += double(tc[k]) * double(ic[k]);
      tt += double(tc[k]) * double(tc[k]);
    }
    gain[c] = tt > 0 ? ti / tt : 1.0;
  }
  return gain;
}

void apply_gain_match(const Image<float>& input, Image<float>& t) {
  const std::array<double, 3> gain = gain_match_coefficients(t, input);
  const std::size_t n = height(t) * width(t);
  for (std::size_t c = 0; c < kChannels; ++c) {
    float* tc = t.data() + c * n;
    for (std::size_t k = 0; k < n; ++k)
      tc[k] = float(std::clamp(gain[c] * double(tc[k]), 0.0, 255.0));
  }
}

bool InferenceOptions::IsValid(std::string* error) const {
  std::string why;
  if (tile < 0) why = "tile must be 0 (automatic) or positive, got " + std::to_string(tile);
  if (error != nullptr) *error = why;
  return why.empty();
}

Image<float> smooth_with_network(Network& net, const Image<float>& input,
                                 const InferenceOptions& options, InferenceReport* report) {
  check_image(input, "smooth_with_network: input");
  std::string why;
  if (!options.IsValid(&why)) fail("smooth_with_network: invalid options: ", why);
  const Extent image{int(height(input)), int(width(input))};
  const double pixels = double(image.height) * image.width;
  const double per_pixel = inference_bytes_per_pixel(net.config());
  InferenceReport r;
  r.whole_image_bytes = r.estimated_bytes = per_pixel * pixels;
  r.grid.image = r.grid.tile = r.grid.interior = image;
  const double budget = double(options.max_memory_bytes);
  // An engine without tiling (CUDA: its activations are on the GPU, not in
  // the host memory the budget is about) runs whole images; a GPU out of
  // memory is its own clear error. Only an explicit tile size is refused.
  if (options.tile > 0 && !net.supports_tiling())
    fail("smooth_with_network: tiled inference (tile ", options.tile,
         ") is not implemented by the ", to_string(net.kind()),
         " engine, which runs whole images; use the CPU engine to tile");
  r.tiled =
      options.tile > 0 || (net.supports_tiling() && budget > 0 && r.whole_image_bytes > budget);
  if (r.tiled) {
    // The whole input and output stay in memory beside one tile's inference.
    const double images = 2.0 * kChannels * sizeof(float) * pixels;
    r.grid = options.tile > 0
                 ? plan_tiles(net.config(), image, options.tile)
                 : plan_tiles_for_memory(net.config(), image, std::max(0.0, budget - images));
    r.estimated_bytes = images + per_pixel * double(r.grid.tile.height) * double(r.grid.tile.width);
    r.passes = 1;
    for (const LayerSpec& spec : describe_layers(net.config())) r.passes += spec.batch_norm();
  }
  Image<float> t;
  if (r.tiled)
    infer_tiled(net, input, r.grid, t);
  else
    net.infer(input, t);
  if (options.postprocess) apply_gain_match(input, t);
  if (report != nullptr) *report = r;
  return t;
}

Image<float> smooth_with_model(const Model& model, const Image<float>& input,
                               const InferenceOptions& options, const EngineOptions& engine) {
  std::unique_ptr<Network> net = make_network(model.config, model.parameters, engine);
  return smooth_with_network(*net, input, options);
}

double inference_bytes_per_pixel(const NetworkConfig& config) {
  // Two full-resolution activations of `width` channels (the layers before
  // the stride and after the transposed convolution reuse them), three at
  // half resolution (block input, the block's middle, its output), fp32;
  // then the input, the output and a copy for post-processing, 3 × fp32 each.
  const double full = 2.0 * config.width, half = 3.0 * config.width / 4.0;
  return 4.0 * (full + half) + 3.0 * 3.0 * 4.0;
}

}  // namespace ismooth::network
