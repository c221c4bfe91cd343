#pragma once
// Internal: the key=value parser behind ismooth::set_parameter, and its
// inverse describe_energy_params. Include "ismooth/energy_params.hpp" instead.

#include <climits>
#include <cstdio>
#include <string>

#include "ismooth/detail/decimal.hpp"

namespace ismooth {
namespace detail {

inline double parse_double(std::string_view key, std::string_view text, Spelling spelling) {
  double v = 0;
  const std::string why = parse_decimal_real(text, &v, true);
  require(why.empty(), parameter_assignment(key, text, spelling), ": '", text, "' is ", why);
  return v;
}

inline int parse_int(std::string_view key, std::string_view text, Spelling spelling) {
  long long v = 0;
  std::string why = parse_decimal_integer(text, &v);
  if (why.empty() && (v < INT_MIN || v > INT_MAX)) why = "out of range";
  require(why.empty(), parameter_assignment(key, text, spelling), ": '", text, "' is ", why);
  return int(v);
}

}  // namespace detail

// One key per line, as a table. clang-format off
inline void set_parameter(EnergyParams& p, std::string_view key, std::string_view value,
                          Spelling spelling) {
  const auto parse_double = [spelling](std::string_view k, std::string_view v) {
    return detail::parse_double(k, v, spelling);
  };
  if (key == "sigma_r")
    p.sigma_r = parse_double(key, value);
  else if (key == "sigma_s")
    p.sigma_s = parse_double(key, value);
  else if (key == "lambda_f")
    p.lambda_f = parse_double(key, value);
  else if (key == "lambda_e")
    p.lambda_e = parse_double(key, value);
  else if (key == "alpha")
    p.alpha = parse_double(key, value);
  else if (key == "c1")
    p.c1 = parse_double(key, value);
  else if (key == "c2")
    p.c2 = parse_double(key, value);
  else if (key == "radius")
    p.radius = detail::parse_int(key, value, spelling);
  else if (key == "p_large")
    p.p_large = parse_double(key, value);
  else if (key == "p_small")
    p.p_small = parse_double(key, value);
  else if (key == "colour_weight_floor")
    p.colour_weight_floor = parse_double(key, value);
  else if (key == "epsilon")
    p.epsilon = parse_double(key, value);
  else if (key == "zero_guidance_margin")
    p.zero_guidance_margin = parse_double(key, value);
  else if (key == "dilate") {
    require(value == "0" || value == "1", parameter_assignment(key, value, spelling),
            ": expected 0 or 1");
    p.dilate = value == "1";
  } else if (key == "gradient") {
    if (value == "exact")
      p.gradient = GradientMode::exact;
    else if (value == "clipped")
      p.gradient = GradientMode::clipped;
    else
      fail(parameter_assignment(key, value, spelling), ": expected exact or clipped");
  } else {
    std::string known;
    for (std::string_view k : kEnergyParameterKeys)
      known += (known.empty() ? "" : ", ") + std::string(k);
    fail(parameter_assignment(key, value, spelling), ": unknown key '", key, "' (known: ", known,
         ")");
  }
}
// clang-format on

inline void set_parameter(EnergyParams& p, std::string_view assignment, Spelling spelling) {
  const auto eq = assignment.find('=');
  require(eq != std::string_view::npos && eq > 0, parameter_assignment(assignment, spelling),
          ": expected key=value");
  set_parameter(p, assignment.substr(0, eq), assignment.substr(eq + 1), spelling);
}

inline const char* gradient_name(GradientMode mode) {
  return mode == GradientMode::clipped ? "clipped" : "exact";
}

inline std::string describe_energy_params(const EnergyParams& p) {
  std::string s;
  auto add = [&](std::string_view key, const std::string& value) {
    if (!s.empty()) s += ",";
    s += std::string(key) + "=" + value;
  };
  auto number = [](double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", v);
    return std::string(text);
  };
  add("sigma_r", number(p.sigma_r));
  add("sigma_s", number(p.sigma_s));
  add("lambda_f", number(p.lambda_f));
  add("lambda_e", number(p.lambda_e));
  add("alpha", number(p.alpha));
  add("c1", number(p.c1));
  add("c2", number(p.c2));
  add("radius", std::to_string(p.radius));
  add("p_large", number(p.p_large));
  add("p_small", number(p.p_small));
  add("dilate", p.dilate ? "1" : "0");
  add("gradient", gradient_name(p.gradient));
  add("colour_weight_floor", number(p.colour_weight_floor));
  add("epsilon", number(p.epsilon));
  // Added after the first version: absent = the default (see the declaration).
  if (p.zero_guidance_margin != EnergyParams{}.zero_guidance_margin)
    add("zero_guidance_margin", number(p.zero_guidance_margin));
  return s;
}

inline const char* pmap_name(PMapKind kind) {
  switch (kind) {
    case PMapKind::adaptive:
      return "adaptive";
    case PMapKind::all_l2:
      return "l2";
    case PMapKind::all_lp:
      return "l08";
    case PMapKind::half:
      return "half";
    case PMapKind::custom:
      return "custom";
  }
  return "?";
}

inline PMapKind parse_pmap_kind(std::string_view name) {
  if (name == "adaptive") return PMapKind::adaptive;
  if (name == "l2") return PMapKind::all_l2;
  if (name == "l08" || name == "lp") return PMapKind::all_lp;
  if (name == "half") return PMapKind::half;
  fail("unknown p map '", name, "' (expected adaptive, l2, l08 or half)");
}

}  // namespace ismooth
