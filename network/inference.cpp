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

Image<float> smooth_with_network(Network& net, const Image<float>& input,
                                 const InferenceOptions& options) {
  check_image(input, "smooth_with_network: input");
  Image<float> t;
  net.infer(input, t);
  if (options.postprocess) apply_gain_match(input, t);
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
