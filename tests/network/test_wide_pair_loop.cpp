// The trainer's 16-lane pair loop (network/training/wide_pair_loop.hpp)
// against the build's own loop: same value and gradient up to float
// rounding, for every penalty kind, run shape (shorter than a batch, ragged
// ends) and window. Skips with a message where the CPU has no AVX-512.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

#include "ismooth/edge_response.hpp"
#include "ismooth/flattening_term.hpp"
#include "ismooth/l2_mask.hpp"
#include "network_test_support.hpp"
#include "training/wide_pair_loop.hpp"

using namespace ismooth;
namespace nd = ismooth::network::detail;

namespace {
Mask random_edges(std::size_t h, std::size_t w, unsigned seed) {
  std::mt19937 rng(seed);
  Mask b(typename Mask::shape_type{h, w});
  for (auto& v : b) v = (rng() % 5 == 0) ? 1 : 0;
  return b;
}

// max |a − b| / max |b| over the elements.
double relative_diff(const Image<float>& a, const Image<float>& b) {
  double diff = 0, scale = 1e-30;
  for (std::size_t k = 0; k < a.size(); ++k) {
    diff = std::max(diff, std::abs(double(a.data()[k]) - double(b.data()[k])));
    scale = std::max(scale, std::abs(double(b.data()[k])));
  }
  return diff / scale;
}
}  // namespace

TEST_CASE("the 16-lane pair loop gives the build's loop's energy and gradient") {
  const auto wide = nd::wide_pair_loop();
  if (wide == nullptr) {
    MESSAGE("skipped: this CPU has no AVX-512 (F, BW, DQ, VL); the trainer uses the build's loop");
    return;
  }
  // 3 and 13 columns: runs shorter than 8 and 16 lanes; 45: ragged ends.
  for (const auto [h, w] : {std::pair<std::size_t, std::size_t>{7, 3}, {9, 13}, {33, 45}}) {
    const Image<float> input = ismooth::test::random_image(h, w, 5);
    Image<float> t = input;
    const Image<float> noise = ismooth::test::random_image(h, w, 6, -12, 12);
    for (std::size_t k = 0; k < t.size(); ++k) t.data()[k] += noise.data()[k];
    const Plane<float> guidance = edge_response(input);
    const Mask edges = random_edges(h, w, 7);
    for (int radius : {1, 4, 10}) {
      for (auto mode : {GradientMode::exact, GradientMode::clipped}) {
        for (double eps : {0.0, 0.5}) {
          for (PMapKind pmap : {PMapKind::adaptive, PMapKind::all_lp, PMapKind::all_l2}) {
            CAPTURE(h);
            CAPTURE(w);
            CAPTURE(radius);
            CAPTURE(int(mode));
            CAPTURE(eps);
            CAPTURE(int(pmap));
            EnergyParams p;
            p.radius = radius;
            p.gradient = mode;
            p.epsilon = eps;
            p.p_large = pmap == PMapKind::all_l2 ? 1.5 : 2.0;  // a power inside the mask too
            p.sigma_r = 0.3;  // many colour weights above the floor
            const FlatteningTerm<float> own(input, edges, guidance, p, PMap{pmap},
                                            {.colour_cache_bytes = 0});
            const FlatteningTerm<float> sixteen(input, edges, guidance, p, PMap{pmap},
                                                {.colour_cache_bytes = 0, .pair_loop = wide});
            Image<float> g_own, g_wide;
            const double v_own = own.EvaluateWithGradient(t, g_own);
            const double v_wide = sixteen.EvaluateWithGradient(t, g_wide);
            CHECK(v_own > 0);
            CHECK(v_wide == doctest::Approx(v_own).epsilon(1e-6));
            CHECK(relative_diff(g_wide, g_own) < 1e-6);
            CHECK(sixteen.Evaluate(t) == doctest::Approx(v_own).epsilon(1e-6));
          }
        }
      }
    }
  }
}
