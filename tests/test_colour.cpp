#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstddef>

#include "ismooth/colour.hpp"

using ismooth::Image;
using ismooth::lab_to_rgb;
using ismooth::make_image;
using ismooth::rgb_to_lab;
using ismooth::rgb_to_yuv;
using ismooth::yuv_to_rgb;

namespace {

struct Pixel {
  double r, g, b;  // 0–255 input
  double y, u, v;  // YUV by hand, from RGB/255
};

// Y = 0.299R + 0.587G + 0.114B, U = 0.492(B − Y), V = 0.877(R − Y) on [0, 1].
constexpr std::array<Pixel, 6> kPixels = {{
    {255, 0, 0, 0.299, 0.492 * -0.299, 0.877 * 0.701},   // red
    {0, 255, 0, 0.587, 0.492 * -0.587, 0.877 * -0.587},  // green
    {0, 0, 255, 0.114, 0.492 * 0.886, 0.877 * -0.114},   // blue
    {255, 255, 255, 1.0, 0.0, 0.0},                      // white
    {51, 51, 51, 0.2, 0.0, 0.0},                         // grey 51/255 = 0.2
    {0, 0, 0, 0.0, 0.0, 0.0},                            // black
}};

}  // namespace

TEST_CASE_TEMPLATE("colour: rgb_to_yuv matches hand-computed values", Scalar, float, double) {
  // 2×3 image, one test pixel per position, so a mixed-up plane or pixel
  // index shows as a wrong value somewhere.
  Image<Scalar> rgb = ismooth::make_image<Scalar>(2, 3);
  for (std::size_t k = 0; k < kPixels.size(); ++k) {
    rgb(0, k / 3, k % 3) = static_cast<Scalar>(kPixels[k].r);
    rgb(1, k / 3, k % 3) = static_cast<Scalar>(kPixels[k].g);
    rgb(2, k / 3, k % 3) = static_cast<Scalar>(kPixels[k].b);
  }
  const Image<Scalar> yuv = ismooth::rgb_to_yuv(rgb);
  REQUIRE(yuv.shape() == rgb.shape());
  const double eps = sizeof(Scalar) == 4 ? 1e-6 : 1e-14;
  for (std::size_t k = 0; k < kPixels.size(); ++k) {
    const Pixel& p = kPixels[k];
    CAPTURE(k);
    CHECK(static_cast<double>(yuv(0, k / 3, k % 3)) == doctest::Approx(p.y).epsilon(eps).scale(1));
    CHECK(static_cast<double>(yuv(1, k / 3, k % 3)) == doctest::Approx(p.u).epsilon(eps).scale(1));
    CHECK(static_cast<double>(yuv(2, k / 3, k % 3)) == doctest::Approx(p.v).epsilon(eps).scale(1));
  }
  // Spelled out once, so the table above cannot silently be wrong.
  CHECK(static_cast<double>(yuv(1, 0, 0)) == doctest::Approx(-0.147108).epsilon(1e-6));
  CHECK(static_cast<double>(yuv(2, 0, 0)) == doctest::Approx(0.614777).epsilon(1e-6));
  CHECK(static_cast<double>(yuv(1, 0, 2)) == doctest::Approx(0.435912).epsilon(1e-6));
  CHECK(static_cast<double>(yuv(2, 0, 1)) == doctest::Approx(-0.514799).epsilon(1e-6));
}

TEST_CASE("colour: rgb_to_yuv leaves its input unchanged and is linear in RGB") {
  Image<double> a = ismooth::make_image<double>(1, 2);
  a(0, 0, 0) = 10, a(1, 0, 0) = 200, a(2, 0, 0) = 30;
  a(0, 0, 1) = 90, a(1, 0, 1) = 5, a(2, 0, 1) = 250;
  const Image<double> copy = a;
  const Image<double> yuv = ismooth::rgb_to_yuv(a);
  CHECK(a == copy);
  Image<double> doubled = a * 2.0;
  const Image<double> yuv2 = ismooth::rgb_to_yuv(doubled);
  for (std::size_t k = 0; k < yuv.size(); ++k)
    CHECK(yuv2.data()[k] == doctest::Approx(2.0 * yuv.data()[k]).epsilon(1e-14));
  // A grey pixel has no chroma and Y equal to its level.
  Image<double> grey = ismooth::make_image<double>(1, 1, 128.0);
  const Image<double> g = ismooth::rgb_to_yuv(grey);
  CHECK(g(0, 0, 0) == doctest::Approx(128.0 / 255.0).epsilon(1e-14));
  CHECK(std::abs(g(1, 0, 0)) < 1e-15);
  CHECK(std::abs(g(2, 0, 0)) < 1e-15);
}

TEST_CASE("colour: rgb_to_lab matches the standard values; lab_to_rgb inverts it") {
  Image<double> rgb = make_image<double>(1, 4);
  const double px[4][3] = {{255, 255, 255}, {255, 0, 0}, {0, 0, 0}, {30, 140, 200}};
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t c = 0; c < 3; ++c) rgb(c, 0, k) = px[k][c];
  const Image<double> lab = rgb_to_lab(rgb);
  // White: L = 100, a = b = 0; sRGB red: (53.24, 80.09, 67.20) (MATLAB rgb2lab, skimage).
  CHECK(lab(0, 0, 0) == doctest::Approx(100).epsilon(1e-4));
  CHECK(std::abs(lab(1, 0, 0)) < 1e-3);
  CHECK(std::abs(lab(2, 0, 0)) < 1e-3);
  CHECK(lab(0, 0, 1) == doctest::Approx(53.24).epsilon(1e-3));
  CHECK(lab(1, 0, 1) == doctest::Approx(80.09).epsilon(1e-3));
  CHECK(lab(2, 0, 1) == doctest::Approx(67.20).epsilon(1e-3));
  CHECK(std::abs(lab(0, 0, 2)) < 1e-9);
  const Image<double> back = lab_to_rgb(lab);
  for (std::size_t k = 0; k < back.size(); ++k)
    CHECK(back.data()[k] == doctest::Approx(rgb.data()[k]).epsilon(1e-9).scale(1));
}

TEST_CASE("colour: yuv_to_rgb inverts rgb_to_yuv") {
  Image<double> rgb = make_image<double>(2, 3);
  double v = 3;
  for (auto& x : rgb) x = v = std::fmod(v * 37 + 11, 256);
  const Image<double> back = yuv_to_rgb(rgb_to_yuv(rgb));
  for (std::size_t k = 0; k < back.size(); ++k)
    CHECK(back.data()[k] == doctest::Approx(rgb.data()[k]).epsilon(1e-9).scale(1));
}
