// Inference with a trained network and the authors' post-processing
// (include/ismooth/network/inference.hpp).
#include <doctest/doctest.h>

#include <cmath>

#include "ismooth/network/inference.hpp"
#include "ismooth/network/trainer.hpp"
#include "network_test_support.hpp"

using namespace ismooth;
using namespace ismooth::network;

TEST_CASE("inference: the gain of each channel is <T,I>/<T,T> (hand case), then clamped") {
  // 1 x 2 image. R: T = (1, 2), I = (2, 4) -> a = (2 + 8) / (1 + 4) = 2.
  // G: T = (0, 0) -> <T,T> = 0 -> a = 1. B: T = (100, 200), I = (150, 250)
  // -> a = (15000 + 50000) / (10000 + 40000) = 1.3, so 200 -> 260 -> 255.
  Image<float> t = make_image<float>(1, 2), input = make_image<float>(1, 2);
  t(0, 0, 0) = 1, t(0, 0, 1) = 2, input(0, 0, 0) = 2, input(0, 0, 1) = 4;
  t(1, 0, 0) = 0, t(1, 0, 1) = 0, input(1, 0, 0) = 7, input(1, 0, 1) = 9;
  t(2, 0, 0) = 100, t(2, 0, 1) = 200, input(2, 0, 0) = 150, input(2, 0, 1) = 250;
  const auto gain = gain_match_coefficients(t, input);
  CHECK(gain[0] == doctest::Approx(2.0).epsilon(1e-15));
  CHECK(gain[1] == 1.0);
  CHECK(gain[2] == doctest::Approx(1.3).epsilon(1e-15));
  apply_gain_match(input, t);
  CHECK(t(0, 0, 0) == 2.0f);
  CHECK(t(0, 0, 1) == 4.0f);
  CHECK(t(1, 0, 0) == 0.0f);
  CHECK(t(2, 0, 0) == doctest::Approx(130.0));
  CHECK(t(2, 0, 1) == 255.0f);  // 260 clamped
  // Negative predictions clamp to 0: T = (−1, 2), I = (1, 1) -> a = 1/5.
  Image<float> u = make_image<float>(1, 2, 50.0f);
  u(0, 0, 0) = -1, u(0, 0, 1) = 2;
  Image<float> i1 = make_image<float>(1, 2, 50.0f);
  i1(0, 0, 0) = 1, i1(0, 0, 1) = 1;
  apply_gain_match(i1, u);
  CHECK(u(0, 0, 0) == 0.0f);
  CHECK(u(0, 0, 1) == doctest::Approx(0.4));
}

TEST_CASE("inference: any size, output of the input's size; T = I passes through unchanged") {
  const NetworkConfig config = NetworkConfig::tiny(4, {1, 2});
  Parameters p = initial_parameters(config, InitScheme::uniform_code, 3);
  zero_output_layer(p, config);  // the network is then T = I exactly
  auto net = make_network(config, p);
  for (auto [h, w] : {std::pair{37, 53}, std::pair{1, 1}, std::pair{64, 31}}) {
    Image<float> input = make_image<float>(std::size_t(h), std::size_t(w));
    const auto values = test::random_values(input.size(), unsigned(h * w), 0, 255);
    std::copy(values.begin(), values.end(), input.begin());
    const Image<float> out = smooth_with_network(*net, input);
    REQUIRE(out.shape() == input.shape());
    double diff = 0;
    for (std::size_t k = 0; k < out.size(); ++k)
      diff = std::max(diff, std::abs(double(out.data()[k]) - input.data()[k]));
    CHECK(diff < 1e-3);
  }
  // Without post-processing the raw T255 comes back, unclamped.
  initialise(p, config, InitScheme::uniform_code, 5);
  net->set_parameters(p);
  Image<float> input = make_image<float>(16, 16, 254.0f);
  input(0, 3, 3) = 0.0f;
  InferenceOptions raw;
  raw.postprocess = false;
  const Image<float> t = smooth_with_network(*net, input, raw);
  const Image<float> direct = net->infer(input);
  CHECK(std::equal(t.begin(), t.end(), direct.begin()));
  const Image<float> post = smooth_with_network(*net, input);
  CHECK(*std::max_element(post.begin(), post.end()) <= 255.0f);
  CHECK(*std::min_element(post.begin(), post.end()) >= 0.0f);
}

TEST_CASE("inference: the memory model is the order of the engine's workspace") {
  const NetworkConfig config = NetworkConfig::tiny(16, {2, 1});
  auto net = make_network(config, initial_parameters(config));
  net->infer(make_image<float>(128, 96, 100.0f));
  const double measured =
      double(net->workspace_bytes() - initial_parameters(config).num_values() * 4) / (128 * 96);
  const double model = inference_bytes_per_pixel(config);
  INFO("measured " << measured << " bytes per pixel, model " << model);
  CHECK(measured < 2.5 * model);
  CHECK(measured > model / 4);
}
