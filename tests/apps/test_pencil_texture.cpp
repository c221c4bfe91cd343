// Pencil texture (apps/pencil_texture.hpp): deterministic under a seed; the
// least-squares exponent is exact where the answer is known.
#include <doctest/doctest.h>

#include "ismooth/apps/pencil_texture.hpp"

using namespace ismooth;
using namespace ismooth::apps;

TEST_CASE("pencil texture: the same seed gives the same texture, another seed another") {
  const Plane<float> a = procedural_pencil_texture(24, 32, 7), b = procedural_pencil_texture(24, 32, 7);
  const Plane<float> c = procedural_pencil_texture(24, 32, 8);
  CHECK(a == b);
  CHECK(a != c);
  for (float v : a) CHECK((v >= 0.35f - 1e-6f && v <= 0.95f + 1e-6f));
  // A fixed sample value, so a change of generator shows.
  CHECK(procedural_pencil_texture(24, 32, 7)(3, 5) == doctest::Approx(a(3, 5)));
}

TEST_CASE("pencil texture: constant tone and texture give beta = ln J / ln H, so H^beta = J") {
  Plane<float> j = Plane<float>::from_shape({6, 7}), h = Plane<float>::from_shape({6, 7});
  j.fill(0.3f);
  h.fill(0.8f);
  const Plane<float> t = render_pencil_texture(j, h, 0.2);
  for (float v : t) CHECK(v == doctest::Approx(0.3f).epsilon(1e-5));
}

TEST_CASE("pencil texture: a textured rendering keeps the tone on average") {
  Plane<float> j = Plane<float>::from_shape({32, 32});
  for (std::size_t y = 0; y < 32; ++y)
    for (std::size_t x = 0; x < 32; ++x) j(y, x) = x < 16 ? 0.4f : 0.85f;
  const Plane<float> t = render_pencil_texture(j, procedural_pencil_texture(32, 32, 1), 0.2);
  double left = 0, right = 0;
  for (std::size_t y = 0; y < 32; ++y)
    for (std::size_t x = 0; x < 32; ++x) (x < 16 ? left : right) += t(y, x) / 512.0;
  CHECK(left == doctest::Approx(0.4).epsilon(0.15));
  CHECK(right == doctest::Approx(0.85).epsilon(0.15));
}
