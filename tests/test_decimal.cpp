// The one reader of typed numbers (ismooth/detail/decimal.hpp): decimal
// only, whole text; denormals kept, overflow and underflow to 0 refused.
#include <doctest/doctest.h>

#include <cfloat>

#include "ismooth/detail/decimal.hpp"
#include "ismooth/energy_params.hpp"

using ismooth::detail::parse_decimal_integer;
using ismooth::detail::parse_decimal_real;

TEST_CASE("decimal reals: what is a number and what is not") {
  double v = 0;
  for (const char* good : {"0", "-0", "+5", "2.5", ".5", "5.", "1e3", "1E-3", "-7.25e+2"}) {
    CAPTURE(good);
    CHECK(parse_decimal_real(good, &v).empty());
  }
  CHECK(parse_decimal_real("-7.25e+2", &v).empty());
  CHECK(v == -725.0);
  for (const char* bad : {"", " 1", "1 ", "0x10", "0X1p3", "1e", "e5", ".", "+", "1.2.3", "5x",
                          "inf", "infinity", "1,5"}) {
    CAPTURE(bad);
    CHECK(parse_decimal_real(bad, &v).find("not a number") == 0);
  }
  CHECK(parse_decimal_real("nan", &v) == "NaN is not allowed");
  CHECK(parse_decimal_real("-NaN", &v) == "NaN is not allowed");
  CHECK(parse_decimal_real("inf", &v, true).empty());
  CHECK(v == HUGE_VAL);
  CHECK(parse_decimal_real("-inf", &v, true).empty());
  CHECK(v == -HUGE_VAL);
}

TEST_CASE("decimal reals: denormals are numbers, lost values are not") {
  double v = 0;
  CHECK(parse_decimal_real("1e-320", &v).empty());
  CHECK(v > 0);
  CHECK(v < DBL_MIN);
  CHECK(parse_decimal_real("0e-999", &v).empty());  // zero written oddly is still zero
  CHECK(v == 0);
  CHECK(parse_decimal_real("1e-400", &v).find("too small") != std::string::npos);
  CHECK(parse_decimal_real("1e400", &v).find("too large") != std::string::npos);
  CHECK(parse_decimal_real("-1e400", &v).find("too large") != std::string::npos);
}

TEST_CASE("decimal integers") {
  long long v = 0;
  CHECK(parse_decimal_integer("-12", &v).empty());
  CHECK(v == -12);
  CHECK(parse_decimal_integer("+7", &v).empty());
  CHECK(v == 7);
  for (const char* bad : {"", "-", "0x10", "1e3", "2.5", " 1", "1 ", "+-1"}) {
    CAPTURE(bad);
    CHECK(parse_decimal_integer(bad, &v).find("not an integer") == 0);
  }
  CHECK(parse_decimal_integer("99999999999999999999", &v) == "out of range");
}

TEST_CASE("--set reads numbers with the same rules") {
  ismooth::EnergyParams p;
  CHECK_THROWS_WITH_AS(set_parameter(p, "alpha=0x10"), doctest::Contains("not a number"),
                       ismooth::Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "radius=0x3"), doctest::Contains("not an integer"),
                       ismooth::Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "radius=99999999999"), doctest::Contains("out of range"),
                       ismooth::Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "sigma_r=1e-400"), doctest::Contains("too small"),
                       ismooth::Error);
  set_parameter(p, "alpha=1e-320");
  CHECK(p.alpha > 0);
  set_parameter(p, "c1=inf");
  CHECK(p.c1 == HUGE_VAL);
}
