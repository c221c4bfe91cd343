#pragma once
// Internal: the key=value parser behind ismooth::set_parameter.
// Include "ismooth/energy_params.hpp" instead.

#include <charconv>
#include <string>

namespace ismooth {
namespace detail {

inline double parse_double(std::string_view key, std::string_view text) {
  std::string s(text);
  if (s == "inf" || s == "+inf" || s == "infinity") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  require(!s.empty() && used == s.size(), "--set ", key, "=", text, ": '", text,
          "' is not a number");
  require(!std::isnan(v), "--set ", key, "=", text, ": NaN is not allowed");
  return v;
}

inline int parse_int(std::string_view key, std::string_view text) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  require(ec == std::errc() && end == text.data() + text.size() && !text.empty(), "--set ",
          key, "=", text, ": '", text, "' is not an integer");
  return v;
}

}  // namespace detail

inline void set_parameter(EnergyParams& p, std::string_view key, std::string_view value) {
  using detail::parse_double;
  if (key == "sigma_r") p.sigma_r = parse_double(key, value);
  else if (key == "sigma_s") p.sigma_s = parse_double(key, value);
  else if (key == "lambda_f") p.lambda_f = parse_double(key, value);
  else if (key == "lambda_e") p.lambda_e = parse_double(key, value);
  else if (key == "alpha") p.alpha = parse_double(key, value);
  else if (key == "c1") p.c1 = parse_double(key, value);
  else if (key == "c2") p.c2 = parse_double(key, value);
  else if (key == "radius") p.radius = detail::parse_int(key, value);
  else if (key == "p_large") p.p_large = parse_double(key, value);
  else if (key == "p_small") p.p_small = parse_double(key, value);
  else if (key == "colour_weight_floor") p.colour_weight_floor = parse_double(key, value);
  else if (key == "epsilon") p.epsilon = parse_double(key, value);
  else if (key == "zero_guidance_margin") p.zero_guidance_margin = parse_double(key, value);
  else if (key == "dilate") {
    require(value == "0" || value == "1", "--set dilate=", value, ": expected 0 or 1");
    p.dilate = value == "1";
  } else if (key == "gradient") {
    if (value == "exact") p.gradient = GradientMode::exact;
    else if (value == "clipped") p.gradient = GradientMode::clipped;
    else fail("--set gradient=", value, ": expected exact or clipped");
  } else {
    fail("--set ", key, "=", value, ": unknown key '", key,
         "' (known: sigma_r, sigma_s, lambda_f, lambda_e, alpha, c1, c2, radius, p_large, "
         "p_small, dilate, gradient, colour_weight_floor, epsilon, zero_guidance_margin)");
  }
}

inline void set_parameter(EnergyParams& p, std::string_view assignment) {
  const auto eq = assignment.find('=');
  require(eq != std::string_view::npos && eq > 0, "--set ", assignment,
          ": expected key=value");
  set_parameter(p, assignment.substr(0, eq), assignment.substr(eq + 1));
}

}  // namespace ismooth
