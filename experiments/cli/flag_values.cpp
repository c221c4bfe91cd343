// Numbers of flags parsed into ismooth::Error messages (flag_values.hpp).
#include "cli/flag_values.hpp"

#include <charconv>
#include <cmath>
#include <exception>

#include "ismooth/error.hpp"

namespace ismooth::cli {

double parse_number(const char* flag, const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  require(!text.empty() && used == text.size() && std::isfinite(v), flag, " ", text,
          ": not a finite number");
  return v;
}

int parse_count(const char* flag, const std::string& text, int minimum) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  require(ec == std::errc() && end == text.data() + text.size() && !text.empty(), flag, " ", text,
          ": not an integer");
  require(v >= minimum, flag, " ", text, ": must be at least ", minimum,
          minimum == 0 ? " (0 = default)" : "");
  return v;
}

}  // namespace ismooth::cli
