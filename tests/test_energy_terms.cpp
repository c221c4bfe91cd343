// Energies against hand-computed cases, the vectorised flattening kernel
// against the literal reference, float against double, thread invariance.
#include <doctest/doctest.h>
#include <omp.h>

#include <array>
#include <cmath>

#include "ismooth/presets.hpp"
#include "ismooth/reference/flattening_reference.hpp"
#include "test_support.hpp"

using namespace ismooth;
using ismooth::test::random_image;
using ismooth::test::random_mask;
using ismooth::test::relative_max_diff;

namespace {
Mask zeros(std::size_t h, std::size_t w) { return Mask(xt::zeros<std::uint8_t>({h, w})); }
Plane<double> zero_plane(std::size_t h, std::size_t w) {
  return Plane<double>(xt::zeros<double>({h, w}));
}
}  // namespace

TEST_CASE("data term: hand-computed value and zero at T = I") {
  Image<double> input = make_image<double>(3, 4, 10.0);
  Image<double> t = make_image<double>(3, 4, 12.0);
  DataTerm<double> data(input);
  CHECK(data.Evaluate(t) == doctest::Approx(4.0));
  CHECK(data.Evaluate(input) == 0.0);
  Image<double> g;
  data.Gradient(t, g);
  for (double v : g) CHECK(v == doctest::Approx(2.0 * 2.0 / 36.0));
}

TEST_CASE("flattening term: two pixels by hand") {
  // 1×2 grey input (all colour weights 1), T differs by 3 in the red channel.
  Image<double> input = make_image<double>(1, 2, 100.0);
  Image<double> t = input;
  t(0, 0, 1) = 103.0;
  EnergyParams p;
  SUBCASE("all-L2: 1/(3N) · 2 ordered pairs · α·w^s·d²") {
    FlatteningTerm<double> f(input, zeros(1, 2), zero_plane(1, 2), p, PMap{PMapKind::all_l2});
    CHECK(f.Evaluate(t) == doctest::Approx(2.0 * 5.0 * std::exp(-1.0 / 98.0) * 9.0 / 6.0));
  }
  SUBCASE("all-L0.8: 1/(3N) · 2 · |d|^0.8") {
    FlatteningTerm<double> f(input, zeros(1, 2), zero_plane(1, 2), p, PMap{PMapKind::all_lp});
    CHECK(f.Evaluate(t) == doctest::Approx(2.0 * std::pow(3.0, 0.8) / 6.0));
  }
  SUBCASE("an edge pixel is no centre: one ordered pair left") {
    Mask b = zeros(1, 2);
    b(0, 0) = 1;
    FlatteningTerm<double> f(input, b, zero_plane(1, 2), p, PMap{PMapKind::all_lp});
    CHECK(f.Evaluate(t) == doctest::Approx(std::pow(3.0, 0.8) / 6.0));
  }
  SUBCASE("colour weights below the floor are zero") {
    Image<double> coloured = input;
    coloured(0, 0, 1) = 0.0;  // red differs by 100/255 → w^r = exp(−(ΔY²+ΔU²+ΔV²)/0.02) ≈ 0
    FlatteningTerm<double> f(coloured, zeros(1, 2), zero_plane(1, 2), p, PMap{PMapKind::all_lp});
    CHECK(f.Evaluate(t) == 0.0);
  }
}

TEST_CASE("edge term: one bright pixel by hand") {
  // 3×3, I = 0, T has 10 in the red channel at the centre: S = 10 there, so
  // E_centre(T) = 8·10/6 (the distance-2 neighbours fall outside).
  Image<double> t = make_image<double>(3, 3, 0.0);
  t(0, 1, 1) = 10.0;
  Mask b = zeros(3, 3);
  b(1, 1) = 1;
  EdgeTerm<double> e(zero_plane(3, 3), b);
  CHECK(e.edge_pixels() == 1);
  CHECK(e.Evaluate(t) == doctest::Approx(std::pow(80.0 / 6.0, 2)));
  EdgeTerm<double> none(zero_plane(3, 3), zeros(3, 3));
  CHECK(none.Evaluate(t) == 0.0);
}

TEST_CASE("smoothing energy: T = I has zero data and edge terms; constant image is flat") {
  Image<double> input = random_image<double>(24, 30, 7);
  auto energy = make_energy(input, Preset::smoothing, preset_params(Preset::smoothing));
  const EnergyTerms at_input = energy.evaluate_terms(input);
  CHECK(at_input.data == 0.0);
  CHECK(at_input.edge == 0.0);
  CHECK(at_input.total == doctest::Approx(at_input.flatten));

  Image<double> constant = make_image<double>(16, 16, 77.0);
  auto flat = make_energy(constant, Preset::smoothing, preset_params(Preset::smoothing));
  const EnergyTerms c = flat.evaluate_terms(constant);
  CHECK(c.flatten == 0.0);
  CHECK(c.total == 0.0);
}

TEST_CASE("flattening kernel matches the literal reference (value and gradient)") {
  const std::size_t h = 19, w = 27;
  Image<double> input = random_image<double>(h, w, 1);
  // T near I so colour weights and both penalties matter.
  Image<double> t = input + random_image<double>(h, w, 2, -8, 8);
  Mask b = random_mask(h, w, 3, 0.2);
  Mask m = random_mask(h, w, 4, 0.5);
  for (int radius : {1, 3, 10}) {
    for (auto mode : {GradientMode::exact, GradientMode::clipped}) {
      for (double eps : {0.0, 0.5}) {
        for (double p_large : {2.0, 1.5}) {
          CAPTURE(radius);
          CAPTURE(int(mode));
          CAPTURE(eps);
          CAPTURE(p_large);
          EnergyParams p;
          p.radius = radius;
          p.gradient = mode;
          p.epsilon = eps;
          p.p_large = p_large;
          p.sigma_r = 0.3;  // keep many colour weights above the floor
          FlatteningTerm<double> f(input, b, zero_plane(h, w), p);
          Image<double> g = make_image<double>(h, w), g_ref = make_image<double>(h, w);
          const double v = f.accumulate(t, m, 0.7, &g);
          const double v_ref = reference::flattening_energy(input, t, b, m, p, 0.7, &g_ref);
          CHECK(v == doctest::Approx(v_ref).epsilon(1e-12));
          CHECK(relative_max_diff(g, g_ref) < 1e-12);
        }
      }
    }
  }
}

TEST_CASE("colour-weight cache and on-the-fly weights give identical results") {
  Image<double> input = random_image<double>(20, 33, 11);
  Image<double> t = random_image<double>(20, 33, 12);
  EnergyParams p;
  p.sigma_r = 0.3;
  auto guidance = edge_response(input);
  FlatteningTerm<double> cached(input, zeros(20, 33), guidance, p);
  FlatteningTerm<double> streamed(input, zeros(20, 33), guidance, p, {}, {.colour_cache_bytes = 0});
  CHECK(cached.caches_colour_weights());
  CHECK_FALSE(streamed.caches_colour_weights());
  Image<double> g1, g2;
  CHECK(cached.EvaluateWithGradient(t, g1) == streamed.EvaluateWithGradient(t, g2));
  CHECK(relative_max_diff(g1, g2) == 0.0);
}

TEST_CASE("float and double agree") {
  Image<double> input = random_image<double>(32, 40, 21);
  Image<double> t = input + random_image<double>(32, 40, 22, -20, 20);
  auto e_d = make_energy(input, Preset::smoothing, preset_params(Preset::smoothing));
  auto e_f = make_energy(image_cast<float>(input), Preset::smoothing,
                         preset_params(Preset::smoothing));
  Image<double> g_d;
  Image<float> g_f;
  const Image<float> t_f = image_cast<float>(t);
  const double v_d = e_d.EvaluateWithGradient(t, g_d);
  const double v_f = e_f.EvaluateWithGradient(t_f, g_f);
  CHECK(v_f == doctest::Approx(v_d).epsilon(1e-5));
  CHECK(relative_max_diff(g_f, g_d) < 1e-4);
}

TEST_CASE("results are identical for one and two threads") {
  Image<float> input = random_image<float>(64, 48, 31);
  Image<float> t = random_image<float>(64, 48, 32);
  auto energy = make_energy(input, Preset::smoothing, preset_params(Preset::smoothing));
  const int threads = omp_get_max_threads();
  Image<float> g1, g2;
  omp_set_num_threads(1);
  const double v1 = energy.EvaluateWithGradient(t, g1);
  omp_set_num_threads(2);
  const double v2 = energy.EvaluateWithGradient(t, g2);
  omp_set_num_threads(threads);
  CHECK(v1 == v2);
  CHECK(relative_max_diff(g1, g2) == 0.0);
}

TEST_CASE("adaptive L2 mask: Eq. 8, zeroed guidance and detail rule") {
  Plane<double> g = zero_plane(1, 4), e = zero_plane(1, 4);
  g(0, 0) = 5;  e(0, 0) = 16;   // G < c1, E(T) − G = 11 > c2 → L2
  g(0, 1) = 5;  e(0, 1) = 14;   // rise 9 ≤ c2 → not L2
  g(0, 2) = 0;  e(0, 2) = 0.5;  // zeroed guidance and E(T) > 0 → L2
  g(0, 3) = 30; e(0, 3) = 45;   // G ≥ c1 → not L2
  EnergyParams p;
  p.dilate = false;
  Mask m = adaptive_l2_mask(e, g, p);
  CHECK(m(0, 0) == 1);
  CHECK(m(0, 1) == 0);
  CHECK(m(0, 2) == 1);
  CHECK(m(0, 3) == 0);
  EnergyParams margin = p;
  margin.zero_guidance_margin = 1;  // zeroed guidance needs E(T) > 1 now
  CHECK(adaptive_l2_mask(e, g, margin)(0, 2) == 0);
  margin.zero_guidance_margin = 0.25;
  CHECK(adaptive_l2_mask(e, g, margin)(0, 2) == 1);
  EnergyParams detail = preset_params(Preset::detail);  // c1 = ∞, c2 = 0: L2 iff E(T) > G
  Mask md = adaptive_l2_mask(e, g, detail);
  CHECK(md(0, 1) == 1);
  CHECK(md(0, 3) == 1);
  Mask single = zeros(9, 9);
  single(4, 4) = 1;
  Mask grown = dilate(single, 3);
  CHECK(mask_fraction(grown) == doctest::Approx(49.0 / 81.0));
  CHECK(grown(1, 1) == 1);
  CHECK(grown(0, 4) == 0);
}

TEST_CASE("dilate: the window's OR at every pixel, borders and odd shapes included") {
  for (const auto& [h, w, r] : {std::array<std::size_t, 3>{1, 1, 3}, {2, 9, 3}, {13, 7, 1},
                                std::array<std::size_t, 3>{37, 41, 3}, {5, 3, 4}}) {
    Mask m = random_mask(h, w, unsigned(h * w + r), 0.04);
    m(h / 2, w / 2) = 7;  // any non-zero value counts as set
    const Mask got = dilate(m, int(r));
    const long ri = long(r);
    for (long y = 0; y < long(h); ++y)
      for (long x = 0; x < long(w); ++x) {
        int want = 0;
        for (long yy = y - ri; yy <= y + ri; ++yy)
          for (long xx = x - ri; xx <= x + ri; ++xx)
            if (yy >= 0 && xx >= 0 && yy < long(h) && xx < long(w) &&
                m(std::size_t(yy), std::size_t(xx)) != 0)
              want = 1;
        REQUIRE(int(got(std::size_t(y), std::size_t(x))) == want);
      }
  }
}

TEST_CASE("fixed p maps") {
  Mask half = fixed_l2_mask(PMap{PMapKind::half}, 2, 5);
  CHECK(half(0, 1) == 1);
  CHECK(half(1, 2) == 0);
  CHECK(mask_fraction(fixed_l2_mask(PMap{PMapKind::all_l2}, 3, 3)) == 1.0);
  CHECK(mask_fraction(fixed_l2_mask(PMap{PMapKind::all_lp}, 3, 3)) == 0.0);
  CHECK_THROWS_WITH_AS(fixed_l2_mask(PMap{PMapKind::custom, zeros(2, 2)}, 3, 3),
                       doctest::Contains("custom p map"), Error);
}

TEST_CASE("presets set the spec's parameters and need their inputs") {
  CHECK(preset_params(Preset::smoothing).dilate);
  CHECK(preset_params(Preset::detail).alpha == 15);
  CHECK(std::isinf(preset_params(Preset::detail).c1));
  CHECK(preset_params(Preset::texture).window() == 5);
  CHECK(preset_params(Preset::foreground).window() == 3);
  CHECK(parse_preset("background") == Preset::background);
  CHECK_THROWS_AS(parse_preset("blur"), Error);
  Image<double> input = random_image<double>(10, 12, 5);
  CHECK_THROWS_WITH_AS(make_energy(input, Preset::background, preset_params(Preset::background)),
                       doctest::Contains("foreground mask"), Error);
  PresetInputs with_mask;
  with_mask.foreground = zeros(10, 12);
  with_mask.edges = random_mask(10, 12, 6, 0.3);
  auto bg = make_energy(input, Preset::background, preset_params(Preset::background), with_mask);
  CHECK(bg.edge_term().edge_pixels() == 0);  // B·F with F = 0
  auto fg = make_energy(input, Preset::foreground, preset_params(Preset::foreground), with_mask);
  CHECK(fg.edge_term().edge_pixels() > 0);  // B·(1 − F)
  CHECK_THROWS_WITH_AS(make_energy(make_image<double>(2, 8), Preset::smoothing, EnergyParams{}),
                       doctest::Contains("at least 3x3"), Error);
}
