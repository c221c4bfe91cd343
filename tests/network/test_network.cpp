// The oneDNN engine without a reference implementation: engine selection and
// errors, caching per size, thread-count independence, implementations
// chosen by oneDNN, and gradients against finite differences.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>

#include "ismooth/network/network.hpp"
#include "network_test_support.hpp"
#include "onednn/onednn_network.hpp"

namespace {

using namespace ismooth::network;
using namespace ismooth::test;
using ismooth::Image;

double max_abs_diff(const Image<float>& a, const Image<float>& b) {
  double d = 0;
  for (std::size_t k = 0; k < a.size(); ++k)
    d = std::max(d, std::abs(double(a.data()[k]) - double(b.data()[k])));
  return d;
}

}  // namespace

TEST_CASE("network: engine selection and errors") {
  const NetworkConfig tiny = NetworkConfig::tiny();
  const Parameters p = initial_parameters(tiny);
  std::string why;
  CHECK(engine_available(EngineKind::onednn_cpu));
  // The CUDA engine: unavailable (no build or no device) must say why and
  // make_network must refuse it (test_cuda_network.cpp checks the rest).
  EngineOptions cuda;
  cuda.kind = EngineKind::cuda;
  if (!engine_available(EngineKind::cuda, &why)) {
    CHECK(!why.empty());
    CHECK_THROWS_AS(make_network(tiny, p, cuda), ismooth::Error);
  }
  CHECK_THROWS_AS(make_network(NetworkConfig::tiny(4), p), ismooth::Error);

  auto net = make_network(tiny, p);
  CHECK(net->engine_info().find("oneDNN 2.6") != std::string::npos);
  Parameters grads;
  const Image<float> image = random_image(8, 8, 1);
  CHECK_THROWS_WITH_AS(net->backward(image, grads), doctest::Contains("forward() first"),
                       ismooth::Error);
  Image<float> out;
  net->forward(image, out);
  CHECK_NOTHROW(net->backward(image, grads));
  net->set_parameters(p);  // new weights: the kept activations are stale
  CHECK_THROWS_AS(net->backward(image, grads), ismooth::Error);
  Image<float> bad = image;
  bad(1, 2, 3) = NAN;
  CHECK_THROWS_AS(net->infer(bad), ismooth::Error);
  Image<float> two_channels(Image<float>::shape_type{2, 4, 4});
  CHECK_THROWS_AS(net->infer(two_channels), ismooth::Error);
}

TEST_CASE("network: cached sizes give the same results, infer between forward and backward") {
  const NetworkConfig tiny = NetworkConfig::tiny(8, {2, 4});
  Parameters p = make_parameters(tiny);
  randomise(p, 3);
  EngineOptions options;
  options.max_cached_sizes = 2;
  auto net = make_network(tiny, p, options);
  const Image<float> a = random_image(12, 9, 1), b = random_image(7, 5, 2),
                     c = random_image(1, 1, 3), d = random_image(10, 10, 4);
  const Image<float> first = net->infer(a);
  for (const Image<float>* other : {&b, &c, &d}) net->infer(*other);  // evicts a's plan
  CHECK(max_abs_diff(net->infer(a), first) == 0.0);
  CHECK(net->workspace_bytes() > 0);

  // forward at a, infer at a and b, then backward: the kept state is intact.
  Image<float> out;
  Parameters g1, g2;
  const Image<float> grad = random_image(12, 9, 5, -1, 1);
  net->forward(a, out);
  net->backward(grad, g1);
  net->forward(a, out);
  net->infer(a);
  net->infer(b);
  net->backward(grad, g2);
  CHECK(g1 == g2);
  net->clear_cache();
  CHECK(max_abs_diff(net->infer(a), first) == 0.0);
}

TEST_CASE("network: outputs barely depend on the thread count") {
  const NetworkConfig tiny = NetworkConfig::tiny(16, {2, 4});
  Parameters p = make_parameters(tiny);
  randomise(p, 4);
  auto net = make_network(tiny, p);
  const Image<float> a = random_image(33, 40, 9);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Image<float> one = net->infer(a);
  omp_set_num_threads(std::max(2, threads));
  const Image<float> many = net->infer(a);
  omp_set_num_threads(threads);
  CHECK(max_abs_diff(one, many) < 1e-3);
}

TEST_CASE("network: no primitive of the paper's network falls back to a reference kernel") {
  // ONEDNN_VERBOSE=1 shows the same per execution; here every primitive of
  // forward, backward data and backward weights is checked at three sizes.
  auto net = make_network(NetworkConfig::paper(), initial_parameters(NetworkConfig::paper()));
  for (Extent size : {Extent{224, 224}, Extent{481, 641}, Extent{720, 1280}}) {
    const std::string impl = detail::onednn_implementations(*net, size);
    CAPTURE(size.height);
    CAPTURE(size.width);
    CHECK_MESSAGE(impl.find("ref:") == std::string::npos, impl);
    CHECK_MESSAGE(impl.find("gemm") == std::string::npos, impl);
  }
}

namespace {

// L(θ) = Σ g·T(θ) in double from the fp32 network.
double loss(Network& net, const Image<float>& input, const Image<float>& g) {
  const Image<float> t = net.infer(input);
  double sum = 0;
  for (std::size_t k = 0; k < t.size(); ++k) sum += double(g.data()[k]) * t.data()[k];
  return sum;
}

}  // namespace

TEST_CASE("network: gradients against central finite differences (tiny network)") {
  // Without the skip T is O(1), and with inputs near 115 the first layer's
  // input x = I255 − 115 is O(10), so fp32 rounding in L (~1e-6) stays far
  // below what a step of 1e-3 measures, while the step is small enough for
  // the curvature. The tolerance allows for both.
  NetworkConfig config = NetworkConfig::tiny(4, {2});
  config.residual_image = false;
  Parameters p = make_parameters(config);
  randomise(p, 11);
  auto net = make_network(config, p);
  const Image<float> input = random_image(8, 6, 12, 100, 130);
  const Image<float> g = random_image(8, 6, 13, -1, 1);
  Image<float> out, grad_input;
  Parameters grads;
  net->forward(input, out);
  net->backward(g, grads, &grad_input);

  struct Probe {
    std::string tensor;
    std::size_t index;
  };
  const std::vector<Probe> probes = {
      {"conv1.weight", 5},  {"conv2.weight", 17}, {"conv3.weight", 40}, {"conv4.weight", 4},
      {"conv5.weight", 99}, {"conv6.weight", 21}, {"conv7.weight", 8},  {"conv8.weight", 2},
      {"conv8.bias", 1},    {"bn2.weight", 1},    {"bn5.bias", 3},      {"bn6.weight", 0}};
  // Central differences at a few steps: a ReLU kink within a step spoils the
  // larger ones, fp32 rounding the smaller ones; a wrong gradient fails all.
  auto agrees = [](double fd, double analytic) {
    return std::abs(fd - analytic) <= 1e-2 * std::max(1.0, std::abs(analytic));
  };
  for (const Probe& probe : probes) {
    CAPTURE(probe.tensor);
    CAPTURE(probe.index);
    const double analytic = grads.at(probe.tensor).values[probe.index];
    CHECK(analytic != 0.0);  // probes are chosen on live paths
    Parameters q = p;
    float& v = q.at(probe.tensor).values[probe.index];
    const float keep = v;
    bool ok = false;
    for (double step : {1e-3, 3e-4, 1e-4}) {
      v = keep + float(step);
      net->set_parameters(q);
      const double up = loss(*net, input, g);
      v = keep - float(step);
      net->set_parameters(q);
      const double down = loss(*net, input, g);
      const double fd = (up - down) / (double(keep + float(step)) - double(keep - float(step)));
      CAPTURE(fd);
      ok = ok || agrees(fd, analytic);
    }
    CHECK(ok);
  }
  // A few input pixels (the skip is off, so only the network path counts).
  net->set_parameters(p);
  for (std::size_t k : {0ul, 17ul, 60ul, 143ul}) {
    CAPTURE(k);
    Image<float> x = input;
    x.data()[k] += 0.05f;
    const double up = loss(*net, x, g);
    x.data()[k] -= 0.1f;
    const double down = loss(*net, x, g);
    const double fd = (up - down) / 0.1;
    CHECK(agrees(fd, grad_input.data()[k]));
  }
}

TEST_CASE("network: the PyTorch reference passes its own float64 gradcheck") {
  ISMOOTH_REQUIRE_TORCH();
  const std::string command = std::string("/usr/bin/python3 '") + ISMOOTH_NETWORK_TEST_DIR +
                              "/torch_reference.py' selfcheck > /dev/null";
  CHECK(std::system(command.c_str()) == 0);
}
