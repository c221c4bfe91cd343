// The gradient-reversal and overshoot measures (apps/gradient_reversal.hpp)
// on a step edge: zero for the input itself, exact counts for a halo.
#include <doctest/doctest.h>

#include "ismooth/apps/gradient_reversal.hpp"

using namespace ismooth;
using namespace ismooth::apps;

TEST_CASE("gradient reversal: zero for E = I; a halo that flips the edge is counted") {
  Image<float> i = make_image<float>(4, 10);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 4; ++y)
      for (std::size_t x = 0; x < 10; ++x) i(c, y, x) = x < 5 ? 50.f : 150.f;
  const ReversalMeasure same = gradient_reversal(i, i);
  CHECK(same.strong_pairs == 4);  // one step per row
  CHECK(same.reversal_fraction == 0);
  CHECK(same.overshoot == 0);
  Image<float> e = i;
  for (std::size_t c = 0; c < 3; ++c) {
    e(c, 0, 4) = 200.f;  // row 0: the dark side overshoots above the bright side: reversed
    e(c, 1, 5) = 170.f;  // row 1: a bright rim, not reversed, 20 above the range
  }
  const ReversalMeasure m = gradient_reversal(i, e);
  CHECK(m.reversal_fraction == doctest::Approx(0.25));
  // Overshoot at the 8 edge pixels: 50 (row 0, x 4) and 20 (row 1, x 5).
  CHECK(m.overshoot == doctest::Approx((50.0 + 20.0) / 8).epsilon(1e-4));
}
