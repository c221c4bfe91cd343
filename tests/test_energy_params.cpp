// key=value parsing and validation of the energy parameters.
#include <doctest/doctest.h>

#include "ismooth/energy_params.hpp"

using namespace ismooth;

TEST_CASE("set_parameter parses every key") {
  EnergyParams p;
  set_parameter(p, "sigma_r=0.2");
  set_parameter(p, "radius=3");
  set_parameter(p, "c1=inf");
  set_parameter(p, "dilate=0");
  set_parameter(p, "gradient=clipped");
  set_parameter(p, "lambda_e", "1e-1");
  set_parameter(p, "zero_guidance_margin=2");
  CHECK(p.zero_guidance_margin == 2);
  CHECK(p.sigma_r == 0.2);
  CHECK(p.window() == 7);
  CHECK(std::isinf(p.c1));
  CHECK_FALSE(p.dilate);
  CHECK(p.gradient == GradientMode::clipped);
  CHECK(p.lambda_e == 0.1);
  CHECK(p.IsValid(nullptr));
}

TEST_CASE("unknown keys and bad values are errors, never ignored") {
  EnergyParams p;
  CHECK_THROWS_WITH_AS(set_parameter(p, "sigma=1"), doctest::Contains("unknown key 'sigma'"), Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "alpha=five"), doctest::Contains("not a number"), Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "alpha=nan"), doctest::Contains("NaN"), Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "radius=2.5"), doctest::Contains("not an integer"), Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "dilate=yes"), doctest::Contains("0 or 1"), Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "gradient=fast"), doctest::Contains("exact or clipped"), Error);
  CHECK_THROWS_WITH_AS(set_parameter(p, "alpha"), doctest::Contains("key=value"), Error);
  std::string why;
  p.sigma_s = -1;
  CHECK_FALSE(p.IsValid(&why));
  CHECK(why.find("sigma_s") != std::string::npos);
  p = EnergyParams{};
  p.p_small = 3;
  CHECK_THROWS_WITH_AS(p.validate("here"), doctest::Contains("here: p_small"), Error);
}
