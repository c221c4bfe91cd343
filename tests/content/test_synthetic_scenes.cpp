// Tests of include/ismooth/apps/synthetic_scenes.hpp and scene_scores.hpp:
// scenes are deterministic and hold what their documentation promises; the
// scores give hand-worked answers.
#include <doctest/doctest.h>

#include <cmath>

#include "ismooth/apps/scene_scores.hpp"
#include "ismooth/apps/synthetic_scenes.hpp"

namespace sc = ismooth::scenes;
using ismooth::Image;
using ismooth::Mask;

TEST_CASE("random numbers are the same on every platform") {
  // std::mt19937_64's 10000th output from the default seed is specified by
  // the standard: 9981545732273789042.
  std::mt19937_64 g;
  g.discard(9999);
  CHECK(g() == 9981545732273789042ull);
  sc::SceneRandom r(5), s(5);
  for (int i = 0; i < 100; ++i) {
    const double u = r.unit();
    CHECK(u == s.unit());
    CHECK(u >= 0);
    CHECK(u < 1);
  }
  sc::SceneRandom t(1);
  for (int i = 0; i < 1000; ++i) {
    const long k = t.integer(2, 4);
    CHECK(k >= 2);
    CHECK(k <= 4);
  }
}

TEST_CASE("texture scene: deterministic, texture bounded and unclipped, boundaries on region edges") {
  const sc::TextureScene a = sc::texture_scene(4, 64, 80), b = sc::texture_scene(4, 64, 80);
  CHECK(a.image == b.image);
  CHECK(a.structure == b.structure);
  CHECK(a.boundaries == b.boundaries);
  CHECK_FALSE(sc::texture_scene(5, 64, 80).image == a.image);
  double most = 0;
  for (std::size_t i = 0; i < a.image.size(); ++i) {
    const double d = a.image.data()[i] - a.structure.data()[i];
    most = std::max(most, std::abs(d));
    CHECK(a.image.data()[i] >= 0);
    CHECK(a.image.data()[i] <= 255);
  }
  CHECK(most <= 30.0 + 1e-4);
  CHECK(most >= 8);  // there is texture
  // Off the boundaries the structure is smooth (flat shapes, a gentle gradient).
  std::size_t boundary = 0;
  for (auto v : a.boundaries) boundary += v;
  CHECK(boundary > 0);
  CHECK(sc::gradient_energy(a.structure, a.boundaries, false) < 1.0);
  CHECK(sc::gradient_energy(a.image, a.boundaries, false) > 20.0);
  CHECK(sc::edge_keeping(a.structure, a.structure, a.boundaries) == 1.0);
}

TEST_CASE("content scene: deterministic, subject is an ellipse of distinct colour") {
  const sc::ContentScene a = sc::content_scene(2, 64, 64), b = sc::content_scene(2, 64, 64);
  CHECK(a.image == b.image);
  CHECK(a.subject == b.subject);
  std::size_t n = 0;
  for (auto v : a.subject) n += v;
  CHECK(double(n) / double(a.subject.size()) > 0.1);
  CHECK(double(n) / double(a.subject.size()) < 0.3);
  // Red is high on the subject, never on the background.
  for (std::size_t y = 0; y < 64; ++y)
    for (std::size_t x = 0; x < 64; ++x)
      if (a.subject(y, x) != 0)
        CHECK(a.image(0, y, x) > 185);
      else
        CHECK(a.image(0, y, x) < 185);
  // The background carries more detail than the subject.
  CHECK(sc::gradient_energy(a.image, a.subject, false) > sc::gradient_energy(a.image, a.subject, true));
  CHECK_THROWS_AS(sc::content_scene(0, 8, 64), ismooth::Error);
}

TEST_CASE("scores: hand-worked answers") {
  Mask t({4, 4}), d({4, 4});
  t.fill(0);
  d.fill(0);
  for (std::size_t x = 0; x < 4; ++x) t(0, x) = t(1, x) = 1;  // 8 pixels
  for (std::size_t x = 0; x < 4; ++x) d(1, x) = d(2, x) = 1;  // 8, 4 shared
  CHECK(sc::mask_iou(d, t) == doctest::Approx(4.0 / 12.0));
  // P = R = 0.5: F = 0.5 whatever β.
  CHECK(sc::f_measure(d, t) == doctest::Approx(0.5));
  CHECK(sc::mask_iou(t, t) == 1.0);

  Image<float> a = ismooth::make_image<float>(4, 4, 100.0f), b = a;
  CHECK(std::isinf(sc::psnr(a, b)));
  b(0, 0, 0) = 110;  // MSE = 100 / 48
  CHECK(sc::psnr(b, a) == doctest::Approx(10 * std::log10(255.0 * 255.0 * 48 / 100)));

  // Columns alternating 0 / 10 in every channel: each horizontal pair
  // differs by 10 (3 channels: 300), vertical by 0; 12 + 12 pairs.
  Image<float> s = ismooth::make_image<float>(4, 4);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 4; ++y)
      for (std::size_t x = 0; x < 4; ++x) s(c, y, x) = x % 2 == 0 ? 0.0f : 10.0f;
  Mask all({4, 4});
  all.fill(1);
  CHECK(sc::gradient_energy(s, all) == doctest::Approx(300.0 * 12 / 24));
  CHECK(sc::gradient_energy(s, all, false) == 0);
  Image<float> half = s * 0.5f;
  CHECK(sc::edge_keeping(half, s, all) == doctest::Approx(0.25));
}
