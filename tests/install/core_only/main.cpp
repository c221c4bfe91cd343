// A small user program on ismooth::core: the paper's energy of an image and
// of a flat image. Also what docs/using-the-library.md times to show the
// cost of compiling the energy headers.
#include <cstdio>
#include <ismooth/presets.hpp>

int main() {
  ismooth::Image<float> input = ismooth::make_image<float>(20, 24);
  for (std::size_t k = 0; k < input.size(); ++k) input.data()[k] = float((k * 37) % 251);
  const auto energy = ismooth::make_energy(input, ismooth::Preset::smoothing,
                                           ismooth::preset_params(ismooth::Preset::smoothing));
  const double same = energy.Evaluate(input);
  const double flat = energy.Evaluate(ismooth::make_image<float>(20, 24, 128.f));
  std::printf("core only: E(I) = %.6g, E(flat) = %.6g\n", same, flat);
  return same < flat ? 0 : 1;
}
