// Tests of include/ismooth/edge_response.hpp (docs/spec/energy.md §3) on hand-computed
// cases.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "ismooth/edge_response.hpp"

namespace {

using ismooth::Image;
using ismooth::make_image;

/// A zero image with one pixel of value (r, g, b).
Image<double> one_pixel(std::size_t h, std::size_t w, std::size_t y, std::size_t x, double r,
                        double g, double b) {
  Image<double> image = make_image<double>(h, w);
  image(0, y, x) = r;
  image(1, y, x) = g;
  image(2, y, x) = b;
  return image;
}

}  // namespace

TEST_CASE("edge_response: channel_sum adds the three planes") {
  Image<double> image = make_image<double>(2, 3);
  image(0, 1, 2) = 10;
  image(1, 1, 2) = 20;
  image(2, 1, 2) = 30.5;
  image(1, 0, 0) = 7;
  const auto s = ismooth::channel_sum(image);
  CHECK(s(1, 2) == 60.5);
  CHECK(s(0, 0) == 7);
  CHECK(s(0, 1) == 0);
}

TEST_CASE("edge_response: one bright pixel in the middle of a 5x5 image") {
  // S = 30 + 60 + 90 = 180 at (2, 2), 0 elsewhere; each N12 neighbour of the
  // bright pixel sees it once, contributing 180 / 6 = 30.
  const auto e = ismooth::edge_response(one_pixel(5, 5, 2, 2, 30, 60, 90));
  CHECK(e(2, 2) == doctest::Approx(12 * 180 / 6.0));  // all 12 neighbours inside
  // distance-1 axis and diagonal neighbours, distance-2 axis neighbours
  for (auto [y, x] : {std::pair{1, 2},
                      {3, 2},
                      {2, 1},
                      {2, 3},
                      {1, 1},
                      {1, 3},
                      {3, 1},
                      {3, 3},
                      {0, 2},
                      {4, 2},
                      {2, 0},
                      {2, 4}}) {
    CAPTURE(y);
    CAPTURE(x);
    CHECK(e(y, x) == doctest::Approx(30.0));
  }
  // (1, 0) and (0, 0) are neither in the 3x3 block nor on the axes at
  // distance 2 of (2, 2): E = 0.
  CHECK(e(1, 0) == 0);
  CHECK(e(0, 0) == 0);
  CHECK(e(0, 1) == 0);
  CHECK(e(4, 3) == 0);
}

TEST_CASE("edge_response: neighbours outside the image are skipped, not padded") {
  // Bright pixel (S = 300) in the corner (0, 0) of a 5x5 image: only
  // (0,1), (1,0), (1,1), (2,0), (0,2) of its N12 are inside, so
  // E = 5 * 300 / 6 = 250 (zero padding would give 12 * 300 / 6 = 600).
  const auto e = ismooth::edge_response(one_pixel(5, 5, 0, 0, 100, 100, 100));
  CHECK(e(0, 0) == doctest::Approx(250.0));
  CHECK(e(0, 1) == doctest::Approx(50.0));
  CHECK(e(1, 1) == doctest::Approx(50.0));
  CHECK(e(0, 2) == doctest::Approx(50.0));
  CHECK(e(2, 2) == 0);
  // A bright pixel at the middle of the top edge: the row above (3) and the
  // pixel 2 up are outside, 8 of 12 neighbours inside.
  const auto top = ismooth::edge_response(one_pixel(5, 5, 0, 2, 100, 100, 100));
  CHECK(top(0, 2) == doctest::Approx(8 * 300 / 6.0));
}

TEST_CASE("edge_response: a 1x1 and a 1x3 image") {
  const auto single = ismooth::edge_response(one_pixel(1, 1, 0, 0, 255, 255, 255));
  CHECK(single(0, 0) == 0);  // no neighbour at all
  // Row [S=0, S=600, S=0]: centre sees both sides, ends see centre and the
  // other end at distance 2.
  const auto row = ismooth::edge_response(one_pixel(1, 3, 0, 1, 200, 200, 200));
  CHECK(row(0, 1) == doctest::Approx(2 * 600 / 6.0));
  CHECK(row(0, 0) == doctest::Approx(600 / 6.0));
  CHECK(row(0, 2) == doctest::Approx(600 / 6.0));
}

TEST_CASE("edge_response: constant image gives E = 0") {
  const auto e = ismooth::edge_response(make_image<double>(7, 9, 123.0));
  for (double v : e) CHECK(v == 0);
}

TEST_CASE("edge_response: float and double agree on an integer-valued image") {
  Image<double> d = make_image<double>(23, 31);
  std::uint32_t state = 12345;
  for (auto& v : d) {
    state = state * 1664525u + 1013904223u;
    v = double((state >> 16) % 256);
  }
  const auto ed = ismooth::edge_response(d);
  const auto ef = ismooth::edge_response(ismooth::image_cast<float>(d));
  REQUIRE(ed.shape() == ef.shape());
  double worst = 0;
  for (std::size_t k = 0; k < ed.size(); ++k)
    worst = std::max(worst, std::abs(ed.data()[k] - double(ef.data()[k])));
  CHECK(worst < 1e-4);
  // The mean of E over a random image is large: make sure we did not compare zeros.
  double mean = 0;
  for (double v : ed) mean += v / double(ed.size());
  CHECK(mean > 50);
}
