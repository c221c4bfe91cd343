// XDoG edges (apps/xdog.hpp) of a step edge: white away from the edge and on
// its bright side, a dark line on its dark side right next to it.
#include <doctest/doctest.h>

#include "ismooth/apps/xdog.hpp"

using namespace ismooth;
using namespace ismooth::apps;

TEST_CASE("xdog: a step edge gets a dark line on its dark side only") {
  Plane<float> l = Plane<float>::from_shape({8, 32});
  for (std::size_t y = 0; y < 8; ++y)
    for (std::size_t x = 0; x < 32; ++x) l(y, x) = x < 16 ? 20.f : 80.f;
  const Plane<float> e = xdog_edges(l);
  for (std::size_t y = 0; y < 8; ++y) {
    for (std::size_t x = 16; x < 32; ++x) CHECK(e(y, x) == 1.f);  // bright side
    for (std::size_t x = 0; x < 10; ++x) CHECK(e(y, x) == 1.f);   // far from the edge
    CHECK(std::min(e(y, 15), e(y, 14)) < 0.5f);                  // the line
  }
  // D at the dark pixel next to the edge, by hand: G_σ∗L − τ·G_kσ∗L < 0.
  const Plane<float> d = xdog_response(l);
  CHECK(d(4, 15) < -1.f);
  CHECK(d(4, 2) == doctest::Approx(20 * (1 - 0.98)).epsilon(1e-4));  // flat: (1 − τ)·L
}

TEST_CASE("xdog: a constant plane has no lines; the 2006 threshold is D >= 0") {
  Plane<float> l = Plane<float>::from_shape({5, 6});
  l.fill(50.f);
  for (float v : xdog_edges(l)) CHECK(v == 1.f);
  XdogParams p;
  p.epsilon = 2;  // above (1 − τ)·50 = 1: the flat plane falls below ε
  for (float v : xdog_edges(l, p)) CHECK(v == doctest::Approx(1 + std::tanh(2 * (1 - 2))).epsilon(1e-4));
}
