#include <doctest/doctest.h>

#include "test_support.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "ismooth/image.hpp"

using ismooth::Error;
using ismooth::Image;
using ismooth::Mask;
using ismooth::Plane;

using ismooth::test::contains;
using ismooth::test::error_of;

namespace {


}  // namespace

TEST_CASE("image: make_image allocates (3, H, W) filled with the value") {
  const Image<float> zero = ismooth::make_image<float>(4, 7);
  CHECK(zero.shape() == Image<float>::shape_type{3, 4, 7});
  CHECK(ismooth::height(zero) == 4);
  CHECK(ismooth::width(zero) == 7);
  CHECK(std::count(zero.begin(), zero.end(), 0.0f) == 84);

  const Image<double> filled = ismooth::make_image<double>(2, 3, 17.5);
  CHECK(filled.size() == 18);
  CHECK(std::count(filled.begin(), filled.end(), 17.5) == 18);

  const Plane<float> plane(Plane<float>::shape_type{5, 9});
  CHECK(ismooth::height(plane) == 5);
  CHECK(ismooth::width(plane) == 9);
}

TEST_CASE("image: layout is planar, channels first, row-major") {
  Image<int> image = ismooth::make_image<int>(2, 3);
  image(1, 0, 2) = 42;  // channel 1, row 0, column 2
  image(2, 1, 0) = 7;   // channel 2, row 1, column 0
  CHECK(image.data()[1 * 6 + 0 * 3 + 2] == 42);
  CHECK(image.data()[2 * 6 + 1 * 3 + 0] == 7);
}

TEST_CASE("image: image_cast converts values and keeps the shape") {
  Image<float> f = ismooth::make_image<float>(2, 2);
  f(0, 0, 0) = 1.5f, f(1, 1, 0) = 255.0f, f(2, 0, 1) = -3.25f;
  const Image<double> d = ismooth::image_cast<double>(f);
  CHECK(d.shape() == f.shape());
  for (std::size_t k = 0; k < f.size(); ++k) CHECK(d.data()[k] == static_cast<double>(f.data()[k]));

  Image<double> precise = ismooth::make_image<double>(1, 1, 0.1);
  const Image<float> narrowed = ismooth::image_cast<float>(precise);
  CHECK(narrowed(2, 0, 0) == 0.1f);
  const Image<std::uint8_t> bytes =
      ismooth::image_cast<std::uint8_t>(ismooth::make_image<double>(1, 1, 200.0));
  CHECK(bytes(1, 0, 0) == 200);
}

TEST_CASE_TEMPLATE("image: check_image accepts finite (3, H, W) images", Scalar, float, double) {
  Image<Scalar> image = ismooth::make_image<Scalar>(3, 4, Scalar(12));
  image(0, 0, 0) = std::numeric_limits<Scalar>::max();
  image(1, 0, 0) = -std::numeric_limits<Scalar>::max();
  image(2, 0, 0) = std::numeric_limits<Scalar>::denorm_min();
  CHECK_NOTHROW(ismooth::check_image(image, "input"));
}

TEST_CASE_TEMPLATE("image: check_image names where a value is not finite", Scalar, float, double) {
  const Scalar bad[] = {std::numeric_limits<Scalar>::quiet_NaN(),
                        std::numeric_limits<Scalar>::infinity(),
                        -std::numeric_limits<Scalar>::infinity()};
  for (const Scalar value : bad) {
    Image<Scalar> image = ismooth::make_image<Scalar>(4, 5, Scalar(1));
    image(2, 3, 1) = value;
    const std::string message = error_of([&] { ismooth::check_image(image, "guide image"); });
    INFO(message);
    CHECK(contains(message, "guide image"));
    CHECK(contains(message, "channel 2, row 3, column 1 is not finite"));
  }
  // The first bad value is reported, in memory order.
  Image<Scalar> two = ismooth::make_image<Scalar>(4, 5, Scalar(1));
  two(1, 0, 4) = bad[0];
  two(0, 3, 2) = bad[1];
  CHECK(contains(error_of([&] { ismooth::check_image(two, "x"); }), "channel 0, row 3, column 2"));
}

TEST_CASE("image: check_image refuses wrong channel counts and empty images") {
  const Image<float> one(Image<float>::shape_type{1, 4, 4}, 0.0f);
  const Image<float> four(Image<float>::shape_type{4, 4, 4}, 0.0f);
  CHECK(contains(error_of([&] { ismooth::check_image(one, "in"); }),
                 "in: expected 3 colour channels, got 1"));
  CHECK(contains(error_of([&] { ismooth::check_image(four, "in"); }), "got 4"));
  const Image<float> empty(Image<float>::shape_type{3, 0, 5});
  CHECK(contains(error_of([&] { ismooth::check_image(empty, "in"); }), "image is empty (0x5)"));
  const Image<float> empty_w(Image<float>::shape_type{3, 5, 0});
  CHECK_THROWS_AS(ismooth::check_image(empty_w, "in"), Error);
}

TEST_CASE("image: check_same_size compares height and width across types") {
  const Image<float> image = ismooth::make_image<float>(4, 6);
  const Mask same(Mask::shape_type{4, 6});
  const Plane<double> wide(Plane<double>::shape_type{4, 7});
  const Plane<double> tall(Plane<double>::shape_type{5, 6});
  CHECK_NOTHROW(ismooth::check_same_size(image, "image", same, "mask"));
  const std::string message =
      error_of([&] { ismooth::check_same_size(image, "image", wide, "edges"); });
  CHECK(message == "size mismatch: image is 6x4 but edges is 7x4");
  CHECK_THROWS_AS(ismooth::check_same_size(image, "image", tall, "edges"), Error);
  CHECK_THROWS_AS(ismooth::check_same_size(tall, "a", image, "b"), Error);
}
