// Uses the installed ismooth headers through ismooth::core: builds a 16x16
// image, computes the smoothing energy of two candidate outputs and prints it,
// then writes and reads it as PNG and JPEG (libpng and libjpeg must come with
// ismooth::core).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <ismooth/ismooth.hpp>
#include <string>

int main() {
  try {
    constexpr std::size_t n = 16;
    // Input I: a bright square on a horizontal ramp.
    ismooth::Image<double> input = ismooth::make_image<double>(n, n);
    for (std::size_t c = 0; c < ismooth::kChannels; ++c)
      for (std::size_t y = 0; y < n; ++y)
        for (std::size_t x = 0; x < n; ++x) {
          const bool square = y >= 4 && y < 12 && x >= 4 && x < 12;
          input(c, y, x) = square ? 200.0 - 30.0 * double(c) : 10.0 * double(x) + 5.0 * double(c);
        }
    const ismooth::EnergyParams params = ismooth::preset_params(ismooth::Preset::smoothing);
    const auto energy = ismooth::make_energy(input, ismooth::Preset::smoothing, params);

    const ismooth::EnergyTerms same = energy.evaluate_terms(input);
    ismooth::Image<double> flat = input;
    flat.fill(100.0);
    const ismooth::EnergyTerms other = energy.evaluate_terms(flat);

    std::printf("E(I)    = %.9g (data %.9g, flatten %.9g, edge %.9g, edge pixels %zu)\n",
                same.total, same.data, same.flatten, same.edge, same.edge_pixels);
    std::printf("E(flat) = %.9g (data %.9g, flatten %.9g, edge %.9g)\n", other.total, other.data,
                other.flatten, other.edge);
    if (same.data != 0 || same.edge != 0 || !std::isfinite(same.total) || !(other.data > 0) ||
        !std::isfinite(other.total)) {
      std::fprintf(stderr, "consumer: unexpected energy values\n");
      return 1;
    }
    const auto dir = std::filesystem::temp_directory_path();
    const std::string stem = "ismooth-consumer-" + std::to_string(::getpid());
    for (const char* ext : {".png", ".jpg"}) {
      const auto path = dir / (stem + ext);
      ismooth::save_image(input, path);
      const ismooth::Image<float> back = ismooth::load_image(path);
      std::filesystem::remove(path);
      double worst = 0;
      for (std::size_t k = 0; k < back.size(); ++k)
        worst = std::fmax(worst, std::fabs(back.data()[k] - input.data()[k]));
      std::printf("%s round trip: largest error %g\n", ext, worst);
      if (back.shape() != input.shape() || worst > (ext[1] == 'p' ? 0.0 : 16.0)) {
        std::fprintf(stderr, "consumer: %s round trip failed\n", ext);
        return 1;
      }
    }
    std::printf("consumer: ok\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: error: %s\n", e.what());
    return 1;
  }
}
