// The paper's energy (value + gradient, smoothing preset, float) at 224x224,
// timed as a consumer compiles it. Built three times by CMakeLists.txt, with
// the same source: with default flags (energy_speed), with -march=native
// (energy_speed_native) and with ismooth::core's SIMD flags switched off
// (energy_speed_portable, target property ISMOOTH_SIMD OFF). Prints
//   ms_per_evaluation <best of the rounds>
// which test_install.sh turns into ratios. Each variant also smooths a small
// float image with the shipped model through ismooth::network: the link
// against the compiled library (whose image type must not depend on these
// flags) is part of what is checked.
//   energy_speed MODEL_FILE
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <ismooth/network/inference.hpp>
#include <ismooth/network/model_file.hpp>
#include <ismooth/presets.hpp>
#include <random>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: energy_speed MODEL_FILE\n");
    return 2;
  }
  try {
    constexpr std::size_t n = 224;
    ismooth::Image<float> input = ismooth::make_image<float>(n, n);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> noise(-8.f, 8.f);
    for (std::size_t c = 0; c < ismooth::kChannels; ++c)
      for (std::size_t y = 0; y < n; ++y)
        for (std::size_t x = 0; x < n; ++x) {
          const bool disc = (y - 112.0) * (y - 112.0) + (x - 100.0) * (x - 100.0) < 60.0 * 60.0;
          input(c, y, x) = std::clamp((disc ? 190.f - 40.f * c : 0.5f * x + 20.f * c) + noise(rng),
                                      0.f, 255.f);
        }
    const auto energy = ismooth::make_energy(input, ismooth::Preset::smoothing,
                                             ismooth::preset_params(ismooth::Preset::smoothing));
    ismooth::Image<float> t = input;
    for (auto& v : t) v += noise(rng);
    ismooth::Image<float> g;
    double value = energy.EvaluateWithGradient(t, g);  // warm-up
    double best = 1e300;
    for (int round = 0; round < 5; ++round) {
      constexpr int kEvaluations = 4;
      const auto t0 = std::chrono::steady_clock::now();
      for (int k = 0; k < kEvaluations; ++k) value = energy.EvaluateWithGradient(t, g);
      const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - t0;
      best = std::min(best, ms.count() / kEvaluations);
    }

    const ismooth::network::Model model = ismooth::network::load_model(argv[1]);
    const ismooth::Image<float> smoothed =
        ismooth::network::smooth_with_model(model, ismooth::make_image<float>(16, 16, 100.f));
    if (!(value > 0) || smoothed.shape()[1] != 16 || smoothed.shape()[2] != 16) {
      std::fprintf(stderr, "energy_speed: unexpected energy %g or smoothed shape\n", value);
      return 1;
    }
    std::printf("energy %.6g, smoothed a 16x16 image with the shipped model\n", value);
    std::printf("ms_per_evaluation %.4f\n", best);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "energy_speed: error: %s\n", e.what());
    return 1;
  }
}
