// Every term's gradient against central finite differences in double
// precision, with the L2 mask held fixed (docs/spec/energy.md §10).
#include <doctest/doctest.h>

#include <cmath>

#include "ismooth/presets.hpp"
#include "test_support.hpp"

using namespace ismooth;
using ismooth::test::finite_difference_gradient;
using ismooth::test::random_image;
using ismooth::test::random_mask;
using ismooth::test::relative_max_diff;

namespace {

constexpr std::size_t kH = 9, kW = 11;

Image<double> input_image() { return random_image<double>(kH, kW, 101); }
// Continuous random T: no exact ties, so |·| is differentiable everywhere.
Image<double> iterate() { return input_image() + random_image<double>(kH, kW, 102, -30, 30); }

/// The penalty whose exact derivative is the clipped one of §10:
/// ρ̃'(d) = p·min(|d|^{p−1}, 1)·sign(d), integrated from 0.
double clipped_penalty(double d, double p) {
  const double a = std::abs(d);
  if (p <= 1) return a <= 1 ? p * a : p + (std::pow(a, p) - 1);
  return a <= 1 ? std::pow(a, p) : 1 + p * (a - 1);
}

/// E_f with ρ̃ in place of ρ, written directly from Eq. 5 (ordered pairs).
double clipped_flattening(const Image<double>& input, const Image<double>& t, const Mask& b,
                          const Mask& m, const EnergyParams& prm) {
  const long h = long(kH), w = long(kW), r = prm.radius;
  const Image<double> yuv = rgb_to_yuv(input);
  double sum = 0;
  for (long y = 0; y < h; ++y)
    for (long x = 0; x < w; ++x) {
      if (b(y, x)) continue;
      for (long yy = std::max(0L, y - r); yy <= std::min(h - 1, y + r); ++yy)
        for (long xx = std::max(0L, x - r); xx <= std::min(w - 1, x + r); ++xx) {
          double wij, p;
          if (m(y, x)) {
            p = prm.p_large;
            wij = prm.alpha * std::exp(-double((y - yy) * (y - yy) + (x - xx) * (x - xx)) /
                                       (2 * prm.sigma_s * prm.sigma_s));
          } else {
            p = prm.p_small;
            double c2 = 0;
            for (int c = 0; c < 3; ++c) c2 += std::pow(yuv(c, y, x) - yuv(c, yy, xx), 2);
            wij = std::exp(-c2 / (2 * prm.sigma_r * prm.sigma_r));
            if (wij < prm.colour_weight_floor) wij = 0;
          }
          for (int c = 0; c < 3; ++c) sum += wij * clipped_penalty(t(c, y, x) - t(c, yy, xx), p);
        }
    }
  return sum / (3.0 * double(h * w));
}

EnergyParams test_params() {
  EnergyParams p;
  p.radius = 3;
  p.sigma_r = 0.4;  // many colour weights above the floor
  return p;
}

}  // namespace

TEST_CASE("data term gradient vs finite differences") {
  DataTerm<double> data(input_image());
  Image<double> t = iterate(), g;
  data.Gradient(t, g);
  auto fd = finite_difference_gradient([&](const Image<double>& x) { return data.Evaluate(x); }, t);
  CHECK(relative_max_diff(g, fd) < 1e-8);
}

TEST_CASE("edge term gradient vs finite differences") {
  const Image<double> input = input_image();
  EdgeTerm<double> edge(edge_response(input), random_mask(kH, kW, 103, 0.4));
  REQUIRE(edge.edge_pixels() > 0);
  Image<double> t = iterate(), g;
  edge.Gradient(t, g);
  auto fd = finite_difference_gradient([&](const Image<double>& x) { return edge.Evaluate(x); }, t);
  CHECK(relative_max_diff(g, fd) < 1e-7);
}

TEST_CASE("flattening term gradient vs finite differences, mask held fixed") {
  const Image<double> input = input_image();
  const Mask b = random_mask(kH, kW, 104, 0.2);
  const Mask m = random_mask(kH, kW, 105, 0.5);
  Image<double> t = iterate();
  for (double eps : {0.0, 0.3}) {
    CAPTURE(eps);
    EnergyParams p = test_params();
    p.epsilon = eps;
    FlatteningTerm<double> f(input, b, edge_response(input), p);
    Image<double> g = make_image<double>(kH, kW);
    f.accumulate(t, m, 1.0, &g);
    auto fd = finite_difference_gradient(
        [&](const Image<double>& x) { return f.accumulate(x, m, 0, nullptr); }, t);
    CHECK(relative_max_diff(g, fd) < 1e-7);
  }
}

TEST_CASE("clipped gradient is the exact gradient of the clipped penalty") {
  const Image<double> input = input_image();
  const Mask b = random_mask(kH, kW, 106, 0.2);
  const Mask m = random_mask(kH, kW, 107, 0.5);
  // Differences on both sides of |d| = 1, where clipping switches.
  Image<double> t = input_image() + random_image<double>(kH, kW, 108, -1.5, 1.5);
  EnergyParams p = test_params();
  p.gradient = GradientMode::clipped;
  FlatteningTerm<double> f(input, b, edge_response(input), p);
  Image<double> g = make_image<double>(kH, kW);
  f.accumulate(t, m, 1.0, &g);
  auto fd = finite_difference_gradient(
      [&](const Image<double>& x) { return clipped_flattening(input, x, b, m, p); }, t, 1e-6);
  CHECK(relative_max_diff(g, fd) < 1e-5);  // ρ̃ is only C¹ at |d| = 1
  // And it differs from the exact gradient (else this test could not fail).
  EnergyParams exact = p;
  exact.gradient = GradientMode::exact;
  FlatteningTerm<double> fe(input, b, edge_response(input), exact);
  Image<double> ge = make_image<double>(kH, kW);
  fe.accumulate(t, m, 1.0, &ge);
  CHECK(relative_max_diff(ge, g) > 1e-2);
}

TEST_CASE("full energy gradient vs finite differences for every preset, mask held fixed") {
  const Image<double> input = input_image();
  PresetInputs inputs;
  inputs.foreground = random_mask(kH, kW, 109, 0.5);
  inputs.edges = random_mask(kH, kW, 110, 0.3);
  for (Preset preset : {Preset::smoothing, Preset::detail, Preset::texture, Preset::background,
                        Preset::foreground}) {
    CAPTURE(preset_name(preset));
    EnergyParams p = preset_params(preset);
    p.sigma_r = 0.4;
    auto energy = make_energy(input, preset, p, inputs);
    Image<double> t = iterate(), g;
    const Mask m = energy.l2_mask(t);
    energy.Gradient(t, g);
    // E_d + λ_f E_f(·; M fixed) + λ_e E_e, each from its own term.
    auto fixed_mask_energy = [&](const Image<double>& x) {
      return energy.data_term().Evaluate(x) +
             p.lambda_f * energy.flattening_term().accumulate(x, m, 0, nullptr) +
             p.lambda_e * energy.edge_term().Evaluate(x);
    };
    auto fd = finite_difference_gradient(fixed_mask_energy, t);
    // |d|^0.8 is very curved at small d: FD truncation error reaches ~1e-6.
    CHECK(relative_max_diff(g, fd) < 1e-5);
  }
}
