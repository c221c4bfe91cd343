// The whole network on the oneDNN engine against the PyTorch reference
// (float64 autograd): output T255, dL/dθ for every tensor and dL/dI255, on
// tiny networks at even and odd sizes, with and without the input skip.
#include <doctest/doctest.h>

#include <fstream>

#include "ismooth/network/network.hpp"
#include "network_test_support.hpp"

namespace {

using namespace ismooth::network;
using namespace ismooth::test;
using ismooth::Image;

constexpr double kTolerance = 1e-4;  // relative, fp32 against float64

void write_network(const TempDir& dir, const NetworkConfig& config, const Parameters& params,
                   const Image<float>& input, const Image<float>& grad_output) {
  std::ofstream json(dir / "network.json");
  json << "{\"H\": " << ismooth::height(input) << ", \"W\": " << ismooth::width(input)
       << ", \"eps\": " << config.batch_norm_epsilon
       << ", \"residual\": " << (config.residual_image ? "true" : "false") << ", \"dilations\": [";
  for (std::size_t b = 0; b < config.dilations.size(); ++b)
    json << (b ? ", " : "") << config.dilations[b];
  json << "], \"tensors\": [";
  for (std::size_t i = 0; i < params.size(); ++i) {
    json << (i ? ", " : "") << "{\"name\": \"" << params[i].name << "\", \"shape\": [";
    for (std::size_t d = 0; d < params[i].shape.size(); ++d)
      json << (d ? ", " : "") << params[i].shape[d];
    json << "]}";
    write_f32(dir / (params[i].name + ".f32"), params[i].values);
  }
  json << "]}";
  json.close();
  write_f32(dir / "input.f32", input.data(), input.size());
  write_f32(dir / "grad_output.f32", grad_output.data(), grad_output.size());
}

// Forward and backward at h × w against the reference. Inputs whose float64
// forward puts some ReLU input within kMargin of zero are redrawn: there fp32
// rounding may legitimately flip the mask (a kink, not an error) and change a
// gradient discretely, far beyond any rounding tolerance.
void check_against_torch(const NetworkConfig& config, std::size_t h, std::size_t w, unsigned seed) {
  constexpr double kMargin = 1e-5;
  CAPTURE(config.describe());
  CAPTURE(h);
  CAPTURE(w);
  Parameters params = make_parameters(config);
  randomise(params, seed);
  auto net = make_network(config, params);
  const Image<float> grad_output = random_image(h, w, seed + 2, -1, 1);
  Image<float> input, output, grad_input;
  Parameters grads;
  TempDir dir("net");
  for (unsigned attempt = 0;; ++attempt) {
    REQUIRE_MESSAGE(attempt < 10, "no input with a ReLU margin of ", kMargin, " in 10 draws");
    input = random_image(h, w, seed + 1 + 1000 * attempt);
    write_network(dir, config, params, input, grad_output);
    run_reference("network", dir.path);
    const double margin = read_f64(dir / "margin.f64", 1)[0];
    if (margin >= kMargin) break;
    MESSAGE("ReLU margin ", margin, " < ", kMargin, ": drawing another input");
  }
  net->forward(input, output);
  net->backward(grad_output, grads, &grad_input);
  if (std::getenv("ISMOOTH_KEEP_TEST_FILES") != nullptr) {
    for (const NamedTensor& t : grads) write_f32(dir / ("ours_grad_" + t.name + ".f32"), t.values);
    write_f32(dir / "ours_output.f32", output.data(), output.size());
  }

  CHECK(relative_error(output.data(), read_f64(dir / "output.f64", output.size())) < kTolerance);
  CHECK(relative_error(grad_input.data(), read_f64(dir / "grad_input.f64", grad_input.size())) <
        kTolerance);
  // Biases of convolutions followed by BN cancel in the normalisation: ours
  // are exactly zero, the reference's are rounding noise.
  for (const LayerSpec& layer : describe_layers(config)) {
    CAPTURE(layer.number);
    const std::vector<double> ref_w = read_f64(dir / ("grad_" + layer.weight_name() + ".f64"),
                                               grads.at(layer.weight_name()).size());
    CHECK(relative_error(grads.at(layer.weight_name()).data(), ref_w) < kTolerance);
    const NamedTensor& gb = grads.at(layer.bias_name());
    const std::vector<double> ref_b =
        read_f64(dir / ("grad_" + layer.bias_name() + ".f64"), gb.size());
    if (layer.batch_norm()) {
      CHECK(std::all_of(gb.values.begin(), gb.values.end(), [](float v) { return v == 0.0f; }));
      CHECK(max_abs(ref_b) <= 1e-9 * std::max(1.0, max_abs(ref_w)));
      for (const std::string& name : {layer.bn_weight_name(), layer.bn_bias_name()}) {
        CAPTURE(name);
        const NamedTensor& g = grads.at(name);
        CHECK(relative_error(g.data(), read_f64(dir / ("grad_" + name + ".f64"), g.size())) <
              kTolerance);
      }
    } else {
      CHECK(relative_error(gb.data(), ref_b) < kTolerance);
    }
  }
  // Inference gives the same output as the training forward.
  const Image<float> inferred = net->infer(input);
  CHECK(std::equal(inferred.begin(), inferred.end(), output.begin()));
}

}  // namespace

TEST_CASE("network: tiny network forward and backward match PyTorch") {
  ISMOOTH_REQUIRE_TORCH();
  const NetworkConfig tiny = NetworkConfig::tiny(8, {2, 4});
  check_against_torch(tiny, 16, 16, 100);
  // Odd sizes: ⌈H/2⌉ in the blocks, the transposed conv cropped to H × W.
  check_against_torch(tiny, 13, 11, 200);
  check_against_torch(tiny, 9, 14, 300);
  check_against_torch(tiny, 5, 3, 350);
}

TEST_CASE("network: without the input skip (ablation) and other shapes") {
  ISMOOTH_REQUIRE_TORCH();
  NetworkConfig direct = NetworkConfig::tiny(8, {2, 4});
  direct.residual_image = false;
  check_against_torch(direct, 15, 12, 400);
  check_against_torch(NetworkConfig::tiny(16, {1, 8, 16}), 20, 23, 500);
  check_against_torch(NetworkConfig::tiny(4, {}), 7, 9, 600);
}

TEST_CASE("network: the paper's 26-layer network at a small size matches PyTorch") {
  ISMOOTH_REQUIRE_TORCH();
  check_against_torch(NetworkConfig::paper(), 21, 18, 700);
  NetworkConfig direct = NetworkConfig::paper();
  direct.residual_image = false;
  check_against_torch(direct, 21, 18, 700);
}
