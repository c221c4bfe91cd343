// A downstream program on an installed ismooth, compiled with the compiler's
// default flags, as a researcher would write it:
//  1. the paper's energy of two candidate outputs, and PNG/JPEG round trips
//     (libpng and libjpeg must come with ismooth::core);
//  2. a user term (charbonnier_tv.hpp) in a convex WeightedSum, its gradient
//     against finite differences, minimised by Adam and L-BFGS to the same
//     energy;
//  3. the paper's energy plus the user term through Adam and L-BFGS, and the
//     paper's energy (lambda_e = 0) through IRLS (ismooth::solvers, CHOLMOD);
//  4. a float image smoothed with the shipped model through ismooth::network
//     (the call whose image type used to depend on the compiler flags), and
//     the CUDA engine's availability as this program was linked.
//   consumer MODEL_FILE
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <ismooth/ismooth.hpp>
#include <ismooth/network/inference.hpp>
#include <ismooth/network/model_file.hpp>
#include <ismooth/network/network.hpp>
#include <ismooth/solvers/solve.hpp>
#include <random>
#include <string>

#include "charbonnier_tv.hpp"

namespace {

bool check(bool ok, const char* what) {
  if (!ok) std::fprintf(stderr, "consumer: FAILED: %s\n", what);
  return ok;
}

ismooth::Image<double> noisy_picture(std::size_t h, std::size_t w, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 12.0);
  ismooth::Image<double> img = ismooth::make_image<double>(h, w);
  for (std::size_t c = 0; c < ismooth::kChannels; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const bool inside = y > h / 4 && y < 3 * h / 4 && x > w / 3;
        img(c, y, x) = (inside ? 180.0 - 30.0 * double(c) : 60.0 + 2.0 * double(x)) + noise(rng);
      }
  return img;
}

// 2. A user term through Adam and L-BFGS.
bool user_term_through_solvers() {
  const ismooth::Image<double> input = noisy_picture(24, 24, 1);
  const ismooth::WeightedSum f(ismooth::Weighted{1.0, QuadraticData{input}},
                               ismooth::Weighted{20.0, CharbonnierTv{1.0}});
  // The gradient against central differences at a few coordinates.
  ismooth::Image<double> x = input, g;
  ismooth::evaluate_with_gradient(f, x, g);
  double worst = 0;
  for (std::size_t k : {0u, 37u, 600u, 1201u, 1727u}) {
    const double h = 1e-4, keep = x.data()[k];
    x.data()[k] = keep + h;
    const double up = ismooth::evaluate(f, x);
    x.data()[k] = keep - h;
    const double down = ismooth::evaluate(f, x);
    x.data()[k] = keep;
    worst = std::max(worst, std::fabs((up - down) / (2 * h) - g.data()[k]) /
                                std::max(1.0, std::fabs(g.data()[k])));
  }
  std::printf("user term: gradient vs central differences, largest relative error %.2g\n", worst);
  bool ok = check(worst < 1e-6, "user term gradient");

  ismooth::solvers::SolveOptions options;
  options.adam.max_iterations = 400;
  options.adam.learning_rate = 1.0;
  options.lbfgs.max_iterations = 400;
  double energies[2];
  int k = 0;
  for (const char* solver : {"adam", "lbfgs"}) {
    ismooth::Image<double> t = input;
    const ismooth::Summary s = ismooth::solvers::solve(solver, options, f, t);
    energies[k++] = s.final_energy;
    std::printf("user term: %-5s %4d iterations, energy %.6f -> %.6f\n", solver,
                s.num_iterations(), s.initial_energy, s.final_energy);
    ok &= check(s.final_energy < 0.5 * s.initial_energy, "the solver lowers the user energy");
  }
  const double gap = std::fabs(energies[0] - energies[1]) / energies[1];
  std::printf("user term: Adam and L-BFGS differ by %.2g relative\n", gap);
  return ok && check(gap < 1e-3, "Adam and L-BFGS reach the same minimum of a convex sum");
}

// 3. The paper's energy plus the user term; the paper's energy through IRLS.
bool paper_energy_through_solvers() {
  const ismooth::Image<double> input = noisy_picture(32, 32, 2);
  const auto paper = ismooth::make_energy(input, ismooth::Preset::smoothing,
                                          ismooth::preset_params(ismooth::Preset::smoothing));
  const ismooth::WeightedSum both(ismooth::Weighted{1.0, paper},
                                  ismooth::Weighted{0.5, CharbonnierTv{1.0}});
  ismooth::solvers::SolveOptions options;
  options.set_max_iterations(30);
  bool ok = true;
  for (const char* solver : {"adam", "lbfgs"}) {
    ismooth::Image<double> t = input;
    const ismooth::Summary s = ismooth::solvers::solve(solver, options, both, t);
    std::printf("paper energy + user term: %-5s energy %.6g -> %.6g\n", solver, s.initial_energy,
                s.final_energy);
    ok &= check(s.final_energy < s.initial_energy, "the solver lowers paper + user energy");
  }
  // IRLS majorises the data and flattening terms; the edge term has no
  // quadratic majoriser, so it runs with lambda_e = 0 (as the paper's solver
  // comparison does).
  ismooth::EnergyParams no_edge = ismooth::preset_params(ismooth::Preset::smoothing);
  no_edge.lambda_e = 0;
  const auto paper_no_edge = ismooth::make_energy(input, ismooth::Preset::smoothing, no_edge);
  ismooth::Image<double> t = input;
  const ismooth::Summary s = ismooth::solvers::solve("irls", options, paper_no_edge, t);
  std::printf("paper energy, lambda_e = 0: irls energy %.6g -> %.6g (%s)\n", s.initial_energy,
              s.final_energy, s.message.c_str());
  return ok && check(s.final_energy < s.initial_energy, "IRLS lowers the paper's energy");
}

// 4. The shipped model from C++, and the CUDA engine as linked.
bool network_smoothing(const char* model_path) {
  const ismooth::network::Model model = ismooth::network::load_model(model_path);
  ismooth::Image<float> input = ismooth::image_cast<float>(noisy_picture(40, 48, 3));
  for (auto& v : input) v = std::clamp(v, 0.f, 255.f);
  const ismooth::Image<float> out = ismooth::network::smooth_with_model(model, input);
  double change = 0;
  bool finite = true;
  for (std::size_t k = 0; k < out.size(); ++k) {
    finite &= std::isfinite(out.data()[k]);
    change = std::max(change, double(std::fabs(out.data()[k] - input.data()[k])));
  }
  std::printf("network: smoothed a 48x40 float image with %s, largest change %.3g\n", model_path,
              change);
  bool ok = check(out.shape() == input.shape() && finite && change > 1.0, "network smoothing");
  std::string why;
  const bool cuda = ismooth::network::engine_available(ismooth::network::EngineKind::cuda, &why);
  std::printf("network: CUDA engine %s%s\n", cuda ? "available" : "not available: ", why.c_str());
#if defined(CONSUMER_LINKS_CUDA)
  // Linked with ismooth::cuda: the engine is registered, so the only reason
  // left is a missing device.
  ok &= check(why.find("not linked") == std::string::npos, "ismooth::cuda registers the engine");
#else
  ok &= check(!cuda && (why.find("not linked") != std::string::npos ||
                        why.find("no CUDA engine") != std::string::npos),
              "without ismooth::cuda the CUDA engine is refused with a reason");
#endif
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer MODEL_FILE\n");
    return 2;
  }
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
    if (!user_term_through_solvers() || !paper_energy_through_solvers() ||
        !network_smoothing(argv[1]))
      return 1;
    std::printf("consumer: ok\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: error: %s\n", e.what());
    return 1;
  }
}
