// The smoothing energy on the GPU (network/cuda/cuda_energy.hpp) against the
// CPU energy: values and gradients (exact and clipped, adaptive and fixed p
// maps, smoothed penalty) to 1e-5 relative, on structured images and a T
// that differs from I so that every term and both penalties are active.
// Skips with a message where the CUDA engine cannot run.
#include <doctest/doctest.h>

#include <cmath>

#include "cuda_test_support.hpp"
#include "ismooth/presets.hpp"
#include "network_test_support.hpp"
#if defined(ISMOOTH_HAVE_CUDA)
#include "cuda/cuda_energy.hpp"
#endif

namespace {

using namespace ismooth;
using namespace ismooth::test;

// Blocks, ramps and texture: edges (B ≠ 0), flat areas and colour changes.
Image<float> structured_image(std::size_t h, std::size_t w, unsigned seed) {
  const auto noise = random_values(3 * h * w, seed, -6, 6);
  Image<float> im = make_image<float>(h, w);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const bool block = (y / 11 + x / 13) % 2 == 0;
        const double v = (block ? 170 : 60) + 25.0 * c + 0.8 * double(x) - 0.4 * double(y) +
                         noise[(c * h + y) * w + x];
        im(c, y, x) = float(std::clamp(v, 0.0, 255.0));
      }
  return im;
}

}  // namespace

#if defined(ISMOOTH_HAVE_CUDA)
TEST_CASE("cuda energy: value and gradient match the CPU energy") {
  ISMOOTH_REQUIRE_CUDA();
  struct Case {
    const char* name;
    PMapKind pmap;
    GradientMode gradient;
    double epsilon;
  };
  const Case cases[] = {{"adaptive, exact", PMapKind::adaptive, GradientMode::exact, 0},
                        {"adaptive, clipped", PMapKind::adaptive, GradientMode::clipped, 0},
                        {"all-L0.8, exact", PMapKind::all_lp, GradientMode::exact, 0},
                        {"half, clipped", PMapKind::half, GradientMode::clipped, 0},
                        {"adaptive, smoothed", PMapKind::adaptive, GradientMode::exact, 0.5}};
  for (const auto& [h, w] : {std::pair<std::size_t, std::size_t>{47, 61}, {30, 30}}) {
    const Image<float> input = structured_image(h, w, 7);
    Image<float> t = input;
    const auto noise = random_values(t.size(), 8, -20, 20);
    for (std::size_t k = 0; k < t.size(); ++k) t.data()[k] += noise[k];
    for (const Case& c : cases) {
      INFO(c.name, " at ", w, "x", h);
      EnergyParams params = preset_params(Preset::smoothing);
      params.gradient = c.gradient;
      params.epsilon = c.epsilon;
      const SmoothingEnergy<float> cpu =
          make_energy(input, Preset::smoothing, params, {}, PMap{c.pmap});
      network::cuda::CudaSmoothingEnergy gpu(cpu);
      Image<float> g_cpu = make_image<float>(h, w), g_gpu = make_image<float>(h, w);
      const EnergyTerms a = cpu.evaluate_terms(t, &g_cpu);
      const EnergyTerms b = gpu.evaluate_terms(t, &g_gpu);
      CHECK(b.edge_pixels == a.edge_pixels);
      CHECK(b.l2_fraction == a.l2_fraction);
      CHECK(b.data == doctest::Approx(a.data).epsilon(1e-5));
      CHECK(b.flatten == doctest::Approx(a.flatten).epsilon(1e-5));
      CHECK(b.edge == doctest::Approx(a.edge).epsilon(1e-5));
      CHECK(b.total == doctest::Approx(a.total).epsilon(1e-5));
      const double error = max_relative_error(g_gpu.data(), g_cpu.data(), g_cpu.size());
      MESSAGE(c.name << " at " << w << "x" << h << ": gradient max relative error " << error);
      CHECK(error < 1e-5);
      // T = I: the adaptive mask's exact ties (E(T) − E(I) = 0) agree too.
      const EnergyTerms a0 = cpu.evaluate_terms(input);
      const EnergyTerms b0 = gpu.evaluate_terms(input);
      CHECK(b0.l2_fraction == a0.l2_fraction);
      CHECK(b0.total == doctest::Approx(a0.total).epsilon(1e-5));
    }
  }
}
#else
TEST_CASE("cuda energy: not built") {
  MESSAGE("skipped: this build has no CUDA engine (ISMOOTH_CUDA=OFF or no nvcc/cuDNN)");
}
#endif
