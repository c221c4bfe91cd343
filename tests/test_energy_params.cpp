// key=value parsing and validation of the energy parameters.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

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

namespace {

/// The number of fields of an aggregate: the most initialisers it accepts.
struct AnyField {
  template <class T>
  operator T() const;
};
template <class T, class... Fields>
constexpr std::size_t field_count() {
  if constexpr (requires { T{Fields{}..., AnyField{}}; })
    return field_count<T, Fields..., AnyField>();
  else
    return sizeof...(Fields);
}

/// A value other than the default for every key of kEnergyParameterKeys.
const std::map<std::string, std::string> kOtherValues = {{"sigma_r", "0.123"},
                                                         {"sigma_s", "3.5"},
                                                         {"lambda_f", "0.7"},
                                                         {"lambda_e", "0.3"},
                                                         {"alpha", "2.25"},
                                                         {"c1", "inf"},
                                                         {"c2", "7"},
                                                         {"radius", "4"},
                                                         {"p_large", "1.5"},
                                                         {"p_small", "0.6"},
                                                         {"dilate", "0"},
                                                         {"gradient", "clipped"},
                                                         {"colour_weight_floor", "0.1"},
                                                         {"epsilon", "0.01"},
                                                         {"zero_guidance_margin", "2.5"}};

/// set_parameter on every "key=value" of a description.
EnergyParams parse_description(const std::string& description) {
  EnergyParams p;
  std::size_t begin = 0;
  while (begin <= description.size()) {
    const std::size_t end = std::min(description.find(',', begin), description.size());
    set_parameter(p, std::string_view(description).substr(begin, end - begin));
    begin = end + 1;
  }
  return p;
}

}  // namespace

TEST_CASE("describe_energy_params: every field has a key, and every key round-trips") {
  // A field added to EnergyParams without a key (kEnergyParameterKeys,
  // set_parameter, describe_energy_params) fails here.
  CHECK(field_count<EnergyParams>() == kEnergyParameterKeys.size());
  EnergyParams all;
  for (std::string_view key : kEnergyParameterKeys) {
    CAPTURE(key);
    REQUIRE(kOtherValues.contains(std::string(key)));
    EnergyParams one;
    set_parameter(one, key, kOtherValues.at(std::string(key)));
    CHECK_FALSE(one == EnergyParams{});  // the key sets a field ...
    const std::string text = describe_energy_params(one);
    CHECK(text != describe_energy_params(EnergyParams{}));  // ... that the description shows
    CHECK(text.find(std::string(key) + "=") != std::string::npos);
    CHECK(parse_description(text) == one);
    set_parameter(all, key, kOtherValues.at(std::string(key)));
  }
  CHECK(parse_description(describe_energy_params(all)) == all);
  // 17 significant digits: any double comes back exactly.
  EnergyParams odd;
  odd.sigma_r = 0.1 + 0.2;
  odd.zero_guidance_margin = 1.0 / 3.0;
  CHECK(parse_description(describe_energy_params(odd)) == odd);
  CHECK(parse_description(describe_energy_params(EnergyParams{})) == EnergyParams{});
}

TEST_CASE("describe_energy_params: descriptions written before zero_guidance_margin still match") {
  // The description of the checkpoints and models made before the margin was
  // described (network/models/default.model.ckpt among them): absent = 0.
  const std::string old =
      "sigma_r=0.10000000000000001,sigma_s=7,lambda_f=1,lambda_e=0.10000000000000001,alpha=5,"
      "c1=20,c2=10,radius=10,p_large=2,p_small=0.80000000000000004,dilate=1,gradient=clipped,"
      "colour_weight_floor=0.29999999999999999,epsilon=0";
  const EnergyParams p = parse_description(old);
  CHECK(p.zero_guidance_margin == 0);
  CHECK(describe_energy_params(p) == old);
  EnergyParams margin = p;
  margin.zero_guidance_margin = 2;
  CHECK(describe_energy_params(margin) == old + ",zero_guidance_margin=2");
}

TEST_CASE("p map and gradient names round-trip") {
  for (PMapKind kind : {PMapKind::adaptive, PMapKind::all_l2, PMapKind::all_lp, PMapKind::half})
    CHECK(parse_pmap_kind(pmap_name(kind)) == kind);
  CHECK(parse_pmap_kind("lp") == PMapKind::all_lp);
  CHECK_THROWS_AS(parse_pmap_kind(pmap_name(PMapKind::custom)), Error);
  for (GradientMode mode : {GradientMode::exact, GradientMode::clipped}) {
    EnergyParams p;
    set_parameter(p, "gradient", gradient_name(mode));
    CHECK(p.gradient == mode);
  }
}
