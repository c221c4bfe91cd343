// The trainer's 16-lane pair loop (network/training/wide_pair_loop.hpp)
// against the build's own loop: same value and gradient up to float
// rounding, for every penalty kind, run shape (shorter than a batch, ragged
// ends) and window; and simd_power.hpp's functions in 16 lanes against the
// build's batch, bit for bit. Skips with a message where the CPU has no
// AVX-512.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "ismooth/detail/simd_power.hpp"
#include "ismooth/edge_response.hpp"
#include "ismooth/flattening_term.hpp"
#include "ismooth/l2_mask.hpp"
#include "../test_support.hpp"
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

TEST_CASE("simd power and exp: 16 lanes give the build's batch's bits") {
  // simd_power.hpp promises the same bits for every batch width: its
  // multiply-adds are fused on AVX-512 too (simd_fma.hpp; xsimd 8.1's are
  // not there, which also lost the exact split c·k = hi + lo) and
  // vscalefps rounds e·2^n once, as the two-factor scaling.
  if (nd::wide_pair_loop() == nullptr) {
    MESSAGE("skipped: this CPU has no AVX-512 (F, BW, DQ, VL)");
    return;
  }
  using B = xsimd::batch<float>;
  const std::vector<float> s = ismooth::test::power_test_inputs(48);
  const auto same_bits = [](const std::vector<float>& a, const std::vector<float>& b) {
    return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
  };
  for (float c : {-0.6f, -0.9f, -0.05f}) {
    CAPTURE(c);
    std::vector<float> own(s.size()), wide(s.size());
    for (std::size_t k = 0; k + 3 * B::size <= s.size(); k += 3 * B::size) {
      const std::array<B, 3> q = ismooth::detail::power_of_positive(
          std::array<B, 3>{B::load_unaligned(&s[k]), B::load_unaligned(&s[k + B::size]),
                           B::load_unaligned(&s[k + 2 * B::size])},
          B(c));
      for (std::size_t i = 0; i < 3; ++i) q[i].store_unaligned(&own[k + i * B::size]);
    }
    nd::avx512_powers(s.data(), c, wide.data(), s.size());
    CHECK(same_bits(own, wide));
  }
  std::vector<float> u;
  for (int k = 0; k < 48 * 400; ++k) u.push_back(-87.3f + float(k) * (176.0f / (48 * 400)));
  std::vector<float> own(u.size()), wide(u.size());
  for (std::size_t k = 0; k + B::size <= u.size(); k += B::size)
    ismooth::detail::exp_of_bounded(std::array<B, 1>{B::load_unaligned(&u[k])})[0].store_unaligned(
        &own[k]);
  nd::avx512_exps(u.data(), wide.data(), u.size());
  CHECK(same_bits(own, wide));
}
