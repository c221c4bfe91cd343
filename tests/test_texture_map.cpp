// Tests of include/ismooth/texture_map.hpp (docs/spec/energy.md §9) on synthetic
// patterns whose Sobel directions and probe averages are worked out by hand.
// The comparison with the numpy reference on photos is in
// test_structure_edges.cpp (one Python run checks E, B and the texture map).
#include <doctest/doctest.h>

#include <functional>
#include <numbers>

#include "ismooth/texture_map.hpp"

namespace {

using ismooth::Image;
using ismooth::Mask;

/// An image whose channels at (y, x) are f(y, x) (grey) or (f, 0, 0) (red).
Image<double> pattern(std::size_t h, std::size_t w, const std::function<double(long, long)>& f,
                      bool red_only = false) {
  Image<double> image = ismooth::make_image<double>(h, w);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      for (std::size_t c = 0; c < 3; ++c)
        image(c, y, x) = (red_only && c > 0) ? 0.0 : f(long(y), long(x));
  return image;
}

long count(const Mask& m) {
  long n = 0;
  for (auto v : m) n += v != 0;
  return n;
}

}  // namespace

TEST_CASE("texture_map: gradient direction special cases in the specified order") {
  using ismooth::detail::texture_direction;
  constexpr double pi = std::numbers::pi;
  CHECK(texture_direction(0, 5) == pi / 2);
  CHECK(texture_direction(0, -5) == 3 * pi / 2);
  CHECK(texture_direction(0, 0) == 3 * pi / 2);  // gx = 0 is tested before gy = 0
  CHECK(texture_direction(5, 0) == 0);
  CHECK(texture_direction(-5, 0) == pi);
  CHECK(texture_direction(1, 1) == doctest::Approx(pi / 4));
  CHECK(texture_direction(1, -1) == doctest::Approx(3 * pi / 4));  // −π/4 + π
  CHECK(texture_direction(-1, -1) == doctest::Approx(pi / 4));     // −3π/4 + π
  CHECK(texture_direction(-1, 1) == doctest::Approx(3 * pi / 4));
}

TEST_CASE("texture_map: fine checkerboards and stripes are texture") {
  SUBCASE("1-pixel checkerboard: every interior pixel") {
    // gx = gy = 0 everywhere, θ = 3π/2: the probes (x, y ± 2) see the same
    // neighbourhood pattern, |avgA − avgB| = 0 (or 21 at the border rows).
    const auto image = pattern(40, 40, [](long y, long x) { return (x + y) % 2 ? 255.0 : 0.0; });
    CHECK(count(ismooth::texture_map(image)) == 38 * 38);
  }
  SUBCASE("2-pixel checkerboard: almost every interior pixel") {
    const auto image =
        pattern(40, 40, [](long y, long x) { return (x / 2 + y / 2) % 2 ? 255.0 : 0.0; });
    CHECK(count(ismooth::texture_map(image)) >= long(0.99 * 38 * 38));
  }
  SUBCASE("stripes of period 2: all interior pixels, never the border") {
    const auto image = pattern(20, 24, [](long, long x) { return x % 2 ? 255.0 : 0.0; });
    const Mask t = ismooth::texture_map(image);
    CHECK(count(t) == 18 * 22);
    for (std::size_t x = 0; x < 24; ++x) CHECK(t(0, x) + t(19, x) == 0);
    for (std::size_t y = 0; y < 20; ++y) CHECK(t(y, 0) + t(y, 23) == 0);
  }
}

TEST_CASE("texture_map: only pixels with E > 25 are tested") {
  // Red stripes of contrast d: interior E = 6·d / 6 = d exactly.
  for (double d : {25.0, 26.0}) {
    CAPTURE(d);
    const auto image = pattern(
        12, 12, [d](long, long x) { return x % 2 ? d : 0.0; }, true);
    CHECK(count(ismooth::texture_map(image)) == (d > 25 ? 10 * 10 : 0));
  }
}

TEST_CASE("texture_map: a long vertical step edge is not texture") {
  // Left 0, right 200 from column 40. Columns 39 and 40: gy = 0, gx > 0, θ = 0,
  // A = (x + 2, y) is bright and B = (x − 2, y) dark: |avgA − avgB| = 200.
  // Columns 38 and 41 (E = 100 from the distance-2 neighbour) have
  // gx = gy = 0, so θ = 3π/2 and the probes (x, y ∓ 2) lie on the same side:
  // texture, as the spec's order of special cases dictates.
  for (bool bright_left : {false, true}) {
    CAPTURE(bright_left);
    const auto image = pattern(80, 80, [bright_left](long, long x) {
      return (x >= 40) != bright_left ? 200.0 : 0.0;  // bright_left: gx < 0, θ = π
    });
    const Mask t = ismooth::texture_map(image);
    for (long y = 0; y < 80; ++y) {
      CHECK(t(y, 39) == 0);
      CHECK(t(y, 40) == 0);
    }
    CHECK(t(1, 38) == 1);
    CHECK(t(40, 41) == 1);
    CHECK(count(t) == 2 * 78);  // columns 38 and 41, rows 1..78
  }
}

TEST_CASE("texture_map: a long horizontal step edge has no texture at all") {
  // Rows 39, 40: gx = 0, gy > 0, θ = π/2, probes (x, y ± 2) on opposite sides.
  // Rows 38, 41: gx = gy = 0, θ = 3π/2, probes (x, y ∓ 2): for row 38 the
  // neighbours of (x, 40) average (3·0 + 2·200 + 3·200) / 8 = 125 against 0.
  const auto image = pattern(80, 80, [](long y, long) { return y >= 40 ? 200.0 : 0.0; });
  CHECK(count(ismooth::texture_map(image)) == 0);
}

TEST_CASE("texture_map: zero_texture_guidance zeros exactly the texture pixels") {
  const auto image = pattern(30, 50, [](long y, long x) {
    return x < 20 ? (x % 2 ? 255.0 : 0.0) : (y >= 15 ? 180.0 : 20.0);
  });
  const auto e = ismooth::edge_response(image);
  const Mask t = ismooth::texture_map(image, e);
  const auto g = ismooth::zero_texture_guidance(e, t);
  REQUIRE(g.shape() == e.shape());
  CHECK(count(t) > 300);
  long zeroed = 0;
  for (std::size_t k = 0; k < e.size(); ++k) {
    if (t.data()[k]) {
      CHECK(g.data()[k] == 0);
      zeroed += e.data()[k] != 0;
    } else {
      CHECK(g.data()[k] == e.data()[k]);
    }
  }
  CHECK(zeroed == count(t));  // every texture pixel had E > 25 before
  // The float overload gives the same map on this integer-valued image.
  CHECK(ismooth::texture_map(ismooth::image_cast<float>(image)) == t);
}

TEST_CASE("texture_map: bad arguments throw") {
  const auto image = ismooth::make_image<double>(10, 10);
  ismooth::Plane<double> e(ismooth::Plane<double>::shape_type{9, 10});
  e.fill(0);
  CHECK_THROWS_AS(ismooth::texture_map(image, e), ismooth::Error);
  ismooth::TextureOptions options;
  options.probe_distance = -1;
  CHECK_THROWS_AS(ismooth::texture_map(image, options), ismooth::Error);
}
