// Detail magnification (apps/detail_boost.hpp): K = 0 and K = 1 identities,
// the sigmoid's small-detail gain K/4, clamping, bad factors.
#include <doctest/doctest.h>

#include "ismooth/apps/detail_boost.hpp"
#include "test_support.hpp"

using namespace ismooth;
using namespace ismooth::apps;
using ismooth::test::random_image;

TEST_CASE("detail: linear K = 0 gives the base, K = 1 the input") {
  const Image<float> i = random_image<float>(6, 7, 1), s = random_image<float>(6, 7, 2);
  const Image<float> k0 = boost_detail(i, s, {DetailMethod::linear, 0});
  const Image<float> k1 = boost_detail(i, s, {DetailMethod::linear, 1});
  for (std::size_t k = 0; k < i.size(); ++k) {
    CHECK(k0.data()[k] == s.data()[k]);
    CHECK(k1.data()[k] == doctest::Approx(i.data()[k]).epsilon(1e-5));
  }
}

TEST_CASE("detail: linear K = 3 is S + 3(I − S), clamped") {
  Image<float> i = make_image<float>(1, 2, 100.f), s = make_image<float>(1, 2, 90.f);
  i(0, 0, 1) = 250.f;
  const Image<float> o = boost_detail(i, s, {DetailMethod::linear, 3});
  CHECK(o(0, 0, 0) == doctest::Approx(120.f));
  CHECK(o(0, 0, 1) == 255.f);
}

TEST_CASE("detail: sigmoid K = 0 keeps the base's lightness; small details gain K/4") {
  const Image<float> s = make_image<float>(2, 2, 120.f);
  Image<float> i = s;
  for (std::size_t c = 0; c < 3; ++c) i(c, 0, 0) = 122.f;  // a small grey detail
  const Image<float> o0 = boost_detail(i, s, {DetailMethod::sigmoid, 0});
  for (std::size_t k = 0; k < s.size(); ++k) CHECK(o0.data()[k] == doctest::Approx(120.f).epsilon(1e-4));
  const Image<float> o = boost_detail(i, s, {DetailMethod::sigmoid, 15});
  const double dl_in = rgb_to_lab(i)(0, 0, 0) - rgb_to_lab(s)(0, 0, 0);
  const double dl_out = rgb_to_lab(o)(0, 0, 0) - rgb_to_lab(s)(0, 0, 0);
  CHECK(dl_out / dl_in == doctest::Approx(15.0 / 4).epsilon(0.01));
  CHECK(o(0, 1, 1) == doctest::Approx(120.f).epsilon(1e-4));  // no detail, no change
}

TEST_CASE("detail: a factor that is not finite is refused") {
  const Image<float> i = make_image<float>(2, 2, 1.f);
  CHECK_THROWS_AS(boost_detail(i, i, {DetailMethod::linear, std::nan("")}), Error);
  CHECK_THROWS_AS(boost_detail(i, i, {DetailMethod::sigmoid, HUGE_VAL}), Error);
  CHECK_THROWS_AS(parse_detail_method("cubic"), Error);
}
