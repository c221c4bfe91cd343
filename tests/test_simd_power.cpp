// simd_power.hpp's s^c and e^u in float against double std::pow / std::exp,
// in units in the last place of the float result.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ismooth/detail/simd_power.hpp"
#include "test_support.hpp"

namespace {
using B = xsimd::batch<float>;

// |got − want| in ulps of want rounded to float (normal results only).
double ulps(float got, double want) {
  const float w = float(want);
  const double ulp = double(std::nextafter(std::fabs(w), std::numeric_limits<float>::infinity())) -
                     double(std::fabs(w));
  return std::fabs(double(got) - want) / ulp;
}

// Every s of `values` through power_of_positive, three batches at a time
// (the pair loop's shape).
std::vector<float> powers(const std::vector<float>& values, float c) {
  std::vector<float> out(values.size());
  const std::size_t lanes = B::size;
  for (std::size_t k = 0; k + 3 * lanes <= values.size(); k += 3 * lanes) {
    std::array<B, 3> s;
    for (std::size_t i = 0; i < 3; ++i) s[i] = B::load_unaligned(values.data() + k + i * lanes);
    const std::array<B, 3> q = ismooth::detail::power_of_positive(s, B(c));
    for (std::size_t i = 0; i < 3; ++i) q[i].store_unaligned(out.data() + k + i * lanes);
  }
  return out;
}
}  // namespace

TEST_CASE("simd power s^c against double pow: at most 2 ulp over s in [1e-30, 3e38]") {
  const std::vector<float> s = ismooth::test::power_test_inputs(3 * B::size);
  for (float c : {-0.6f, -0.5f, -0.25f, -0.9f, -1.0f, -0.05f, 0.0f}) {
    CAPTURE(c);
    const std::vector<float> q = powers(s, c);
    double worst = 0;
    float worst_s = 0;
    for (std::size_t k = 0; k < s.size(); ++k) {
      const double want = std::pow(double(s[k]), double(c));
      if (want < double(std::numeric_limits<float>::min())) continue;  // denormal result
      const double u = ulps(q[k], want);
      if (u > worst) worst = u, worst_s = s[k];
    }
    CAPTURE(worst_s);
    MESSAGE("c = ", c, ": worst ", worst, " ulp at s = ", worst_s);
    CHECK(worst <= 2.0);  // measured 1.35 (c = -0.9); exp(c·log s) in float: 110
  }
  // s^0 = 1 exactly; ∞ and NaN pass through the callers' s·q as ∞ and NaN.
  std::vector<float> special(3 * B::size, 1.0f);
  special[0] = std::numeric_limits<float>::infinity();
  special[1] = std::numeric_limits<float>::quiet_NaN();
  special[2] = 12345.0f;
  CHECK(powers(special, 0.0f)[2] == 1.0f);
  const std::vector<float> q = powers(special, -0.6f);
  CHECK(std::isinf(special[0] * q[0]));
  CHECK(std::isfinite(q[0]));
}

TEST_CASE("simd exp e^u against double exp: at most 1.5 ulp over u in [-87.3, 88.7]") {
  std::vector<float> u;
  for (int k = 0; k <= 200000; ++k) u.push_back(-87.3f + float(k) * (176.0f / 200000.0f));
  while (u.size() % B::size != 0) u.push_back(0.0f);
  double worst = 0;
  float worst_u = 0;
  for (std::size_t k = 0; k < u.size(); k += B::size) {
    const B e = ismooth::detail::exp_of_bounded(std::array<B, 1>{B::load_unaligned(u.data() + k)})[0];
    alignas(64) float out[B::size];
    e.store_aligned(out);
    for (std::size_t i = 0; i < B::size; ++i) {
      const double x = ulps(out[i], std::exp(double(u[k + i])));
      if (x > worst) worst = x, worst_u = u[k + i];
    }
  }
  MESSAGE("exp: worst ", worst, " ulp at u = ", worst_u);
  CHECK(worst <= 1.5);  // measured 0.98
  const B nan = ismooth::detail::exp_of_bounded(
      std::array<B, 1>{B(std::numeric_limits<float>::quiet_NaN())})[0];
  CHECK(std::isnan(nan.get(0)));
}
