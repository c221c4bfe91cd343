// The CUDA engine (network/cuda/cuda_network.hpp) against the oneDNN CPU
// engine on random weights and inputs: forward, parameter gradients and the
// input gradient (fp32, TF32 off: 1e-4 relative), reduced-precision inference
// (error reported, loosely bounded), caching per size, errors. Every case
// skips with a message where the build has no CUDA engine or no device is
// present; the availability message is checked everywhere.
//
// Sizes are small so that few pre-activations exist: a value within ~1e-6 of
// a ReLU's kink may take the other branch in the other engine (summation
// order) and flip one gradient element; at these sizes that is improbable.
#include <doctest/doctest.h>

#include <cmath>

#include "cuda_test_support.hpp"
#include "ismooth/network/network.hpp"
#include "network_test_support.hpp"

namespace {

using namespace ismooth::network;
using namespace ismooth::test;
using ismooth::Image;

EngineOptions cuda_options(Precision precision = Precision::fp32) {
  EngineOptions o;
  o.kind = EngineKind::cuda;
  o.precision = precision;
  return o;
}

// Runs forward + backward on both engines and compares.
void compare_engines(const NetworkConfig& config, std::size_t h, std::size_t w, unsigned seed,
                     double tolerance) {
  Parameters p = make_parameters(config);
  randomise(p, seed);
  auto cpu = make_network(config, p);
  auto gpu = make_network(config, p, cuda_options());
  const Image<float> input = random_image(h, w, seed + 1);
  const Image<float> grad_out = random_image(h, w, seed + 2, -1, 1);
  INFO("network ", config.describe(), " at ", w, "x", h);

  Image<float> t_cpu, t_gpu, t_infer;
  cpu->forward(input, t_cpu);
  gpu->forward(input, t_gpu);
  CHECK(max_relative_error(t_gpu.data(), t_cpu.data(), t_cpu.size()) < tolerance);
  gpu->infer(input, t_infer);
  CHECK(max_relative_error(t_infer.data(), t_cpu.data(), t_cpu.size()) < tolerance);

  Parameters g_cpu, g_gpu;
  Image<float> gi_cpu, gi_gpu;
  cpu->backward(grad_out, g_cpu, &gi_cpu);
  gpu->backward(grad_out, g_gpu, &gi_gpu);
  REQUIRE(g_gpu.same_layout(g_cpu));
  for (std::size_t k = 0; k < g_cpu.size(); ++k) {
    INFO("gradient of ", g_cpu[k].name);
    CHECK(max_relative_error(g_gpu[k].data(), g_cpu[k].data(), g_cpu[k].size()) < tolerance);
  }
  CHECK(max_relative_error(gi_gpu.data(), gi_cpu.data(), gi_cpu.size()) < tolerance);
}

}  // namespace

TEST_CASE("cuda engine: availability is reported with a clear reason") {
  std::string why;
  const bool available = engine_available(EngineKind::cuda, &why);
  const NetworkConfig tiny = NetworkConfig::tiny();
  const Parameters p = initial_parameters(tiny);
#if defined(ISMOOTH_HAVE_CUDA)
  if (!available) {
    MESSAGE("no CUDA device here: " << why);
    CHECK(why.find("no CUDA device present") != std::string::npos);
    CHECK_THROWS_WITH_AS(make_network(tiny, p, cuda_options()),
                         doctest::Contains("no CUDA device present"), ismooth::Error);
  } else {
    CHECK(why.empty());
    auto net = make_network(tiny, p, cuda_options());
    MESSAGE("CUDA engine: " << net->engine_info());
    CHECK(net->engine_info().find("cuDNN") != std::string::npos);
    CHECK(net->kind() == EngineKind::cuda);
  }
#else
  CHECK_FALSE(available);
  CHECK(why.find("this build has no CUDA engine") != std::string::npos);
  CHECK_THROWS_WITH_AS(make_network(tiny, p, cuda_options()),
                       doctest::Contains("this build has no CUDA engine"), ismooth::Error);
#endif
  // The oneDNN engine runs fp32 and bf16 (test_bf16.cpp), nothing else,
  // whatever the build.
  EngineOptions cpu_fp16;
  cpu_fp16.precision = Precision::fp16;
  CHECK_THROWS_WITH_AS(make_network(tiny, p, cpu_fp16), doctest::Contains("fp32 or bf16"),
                       ismooth::Error);
  CHECK(parse_precision("bf16") == Precision::bf16);
  CHECK_THROWS_AS(parse_precision("fp8"), ismooth::Error);
}

TEST_CASE("cuda engine: forward and backward match the oneDNN engine (fp32, tiny networks)") {
  ISMOOTH_REQUIRE_CUDA();
  NetworkConfig skip = NetworkConfig::tiny(8, {1, 2, 16});
  NetworkConfig no_skip = NetworkConfig::tiny(8, {4, 8});
  no_skip.residual_image = false;
  // Even, odd (the transposed convolution's crop) and degenerate sizes.
  compare_engines(skip, 12, 10, 1, 1e-4);
  compare_engines(skip, 13, 9, 2, 1e-4);
  compare_engines(no_skip, 7, 11, 3, 1e-4);
  compare_engines(skip, 1, 1, 4, 1e-4);
  compare_engines(NetworkConfig::tiny(16, {2, 4}), 3, 2, 5, 1e-4);
}

TEST_CASE("cuda engine: forward and backward match the oneDNN engine (paper network, 9x7)") {
  ISMOOTH_REQUIRE_CUDA();
  compare_engines(NetworkConfig::paper(), 9, 7, 11, 1e-4);
}

TEST_CASE("cuda engine: sizes are cached, results repeat, errors") {
  ISMOOTH_REQUIRE_CUDA();
  const NetworkConfig config = NetworkConfig::tiny(8, {2, 4});
  Parameters p = make_parameters(config);
  randomise(p, 21);
  EngineOptions o = cuda_options();
  o.max_cached_sizes = 2;
  auto net = make_network(config, p, o);
  Parameters grads;
  const Image<float> a = random_image(12, 9, 1), b = random_image(7, 5, 2),
                     c = random_image(10, 10, 3);
  CHECK_THROWS_WITH_AS(net->backward(a, grads), doctest::Contains("forward() first"),
                       ismooth::Error);
  const Image<float> first = net->infer(a);
  net->infer(b);
  net->infer(c);  // evicts a
  const Image<float> again = net->infer(a);
  CHECK(max_relative_error(again.data(), first.data(), first.size()) == 0.0);
  Image<float> t;
  net->forward(a, t);
  net->infer(b);  // inference between forward and backward keeps the state
  CHECK_NOTHROW(net->backward(a, grads));
  net->set_parameters(p);
  CHECK_THROWS_AS(net->backward(a, grads), ismooth::Error);
  CHECK(net->workspace_bytes() > 0);
  Image<float> bad = a;
  bad(1, 2, 3) = NAN;
  CHECK_THROWS_AS(net->infer(bad), ismooth::Error);
}

TEST_CASE("cuda engine: reduced-precision and TF32 inference (error reported)") {
  ISMOOTH_REQUIRE_CUDA();
  const NetworkConfig config = NetworkConfig::paper();
  Parameters p = make_parameters(config);
  randomise(p, 31);
  const Image<float> input = random_image(48, 64, 32);
  auto cpu = make_network(config, p);
  const Image<float> ref = cpu->infer(input);
  // T255 − I255 is what the network computes; measure the error on it.
  std::vector<float> ref_residual(ref.size());
  for (std::size_t k = 0; k < ref.size(); ++k) ref_residual[k] = ref.data()[k] - input.data()[k];
  for (Precision precision : {Precision::tf32, Precision::bf16, Precision::fp16}) {
    auto gpu = make_network(config, p, cuda_options(precision));
    const Image<float> out = gpu->infer(input);
    std::vector<float> residual(out.size());
    for (std::size_t k = 0; k < out.size(); ++k) residual[k] = out.data()[k] - input.data()[k];
    const double error = max_relative_error(residual.data(), ref_residual.data(), residual.size());
    MESSAGE(to_string(precision) << " inference, paper network at 64x48: max |error| / max |T - I| = "
                                 << error);
    CHECK(error < 0.1);
  }
}
