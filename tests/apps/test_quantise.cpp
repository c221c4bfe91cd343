// Soft luminance quantisation (apps/quantise.hpp): flat at the bin centres,
// continuous through the boundaries, `levels` plateaus on a ramp.
#include <doctest/doctest.h>

#include <set>

#include "ismooth/apps/quantise.hpp"

using namespace ismooth;
using namespace ismooth::apps;

TEST_CASE("quantise: bin centres are fixed points, boundaries map to themselves") {
  const QuantiseParams p;  // 8 levels: Δq = 12.5
  for (int k = 0; k < 8; ++k) CHECK(soft_quantise_value(12.5 * k + 6.25, p) == doctest::Approx(12.5 * k + 6.25).epsilon(1e-6));
  for (int k = 1; k < 8; ++k) CHECK(soft_quantise_value(12.5 * k, p) == doctest::Approx(12.5 * k));
  // 2 units from a boundary the transition is over: tanh(6) = 1 − 1.2e-5.
  CHECK(soft_quantise_value(27.0, p) == doctest::Approx(31.25).epsilon(1e-4));
  CHECK(soft_quantise_value(23.0, p) == doctest::Approx(18.75).epsilon(1e-4));
}

TEST_CASE("quantise: a ramp becomes `levels` plateaus, monotone") {
  for (int levels : {4, 8, 10}) {
    QuantiseParams p;
    p.levels = levels;
    Plane<float> ramp = Plane<float>::from_shape({1, 1001});
    for (int x = 0; x <= 1000; ++x) ramp(0, x) = float(x) / 10;
    const Plane<float> q = soft_quantise(ramp, p);
    std::set<int> plateaus;
    for (int x = 0; x <= 1000; ++x) {
      if (x > 0) CHECK(q(0, x) >= q(0, x - 1));
      const double centre = (std::floor(ramp(0, x) / (100.0 / levels)) + 0.5) * (100.0 / levels);
      if (std::abs(q(0, x) - centre) < 1e-3) plateaus.insert(int(std::lround(centre * 100)));
    }
    CHECK(plateaus.size() == std::size_t(levels));
  }
}

TEST_CASE("quantise: bad parameters are refused") {
  QuantiseParams p;
  p.levels = 1;
  CHECK_FALSE(p.IsValid());
  CHECK_THROWS_AS(soft_quantise(Plane<float>::from_shape({1, 1}), p), Error);
}
