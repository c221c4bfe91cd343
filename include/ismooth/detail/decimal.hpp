#pragma once
// Internal: the one reader of numbers typed by a user (command-line flags,
// --set key=value). Decimal only, whole text, no spaces: "0x10", "1e", " 3",
// "" are refused rather than read as something the user did not mean.
// Denormals (1e-320) are finite numbers and accepted; a value a double
// cannot hold (1e400, or 1e-400, which would silently become 0) is refused.

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>

namespace ismooth::detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Empty if `text` is a decimal integer stored in *value; else why not.
inline std::string parse_decimal_integer(std::string_view text, long long* value) {
  std::string_view digits = text;
  const bool plus = !digits.empty() && digits.front() == '+';
  if (plus) digits.remove_prefix(1);  // from_chars takes '-' only
  const std::size_t first = !plus && !digits.empty() && digits.front() == '-' ? 1 : 0;
  bool ok = digits.size() > first;
  for (std::size_t i = first; ok && i < digits.size(); ++i) ok = is_digit(digits[i]);
  if (!ok) return "not an integer (decimal digits only)";
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return "out of range";
  return {};
}

/// Empty if `text` is a decimal number stored in *value; else why not.
/// `allow_infinity`: also "inf", "+inf", "-inf", "infinity".
inline std::string parse_decimal_real(std::string_view text, double* value,
                                      bool allow_infinity = false) {
  if (allow_infinity && (text == "inf" || text == "+inf" || text == "infinity")) {
    *value = HUGE_VAL;
    return {};
  }
  if (allow_infinity && text == "-inf") {
    *value = -HUGE_VAL;
    return {};
  }
  // [+-] digits [. digits] [e [+-] digits], at least one mantissa digit.
  std::size_t i = 0, mantissa = 0;
  auto digits = [&] {
    std::size_t n = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) ++n;
    return n;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  mantissa += digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    mantissa += digits();
  }
  bool ok = mantissa > 0;
  if (ok && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    ok = digits() > 0;
  }
  if (!ok || i != text.size()) {
    std::string lower(text);
    for (char& c : lower) c = char(c | 0x20);
    if (lower.find("nan") != std::string::npos) return "NaN is not allowed";
    return std::string("not a number (decimal only") + (allow_infinity ? ", or inf)" : ")");
  }
  const std::string copy(text);  // strtod needs the terminating NUL
  errno = 0;
  const double v = std::strtod(copy.c_str(), nullptr);
  // strtod sets ERANGE for denormals too; only overflow and underflow to 0 lose the value.
  if (errno == ERANGE && std::isinf(v)) return "too large for a double (beyond 1.8e308)";
  if (errno == ERANGE && v == 0) {
    bool nonzero = false;
    for (char c : copy.substr(0, copy.find_first_of("eE")))
      nonzero = nonzero || (c >= '1' && c <= '9');
    if (nonzero) return "too small for a double (it would be 0; the least is 4.9e-324)";
  }
  *value = v;
  return {};
}

}  // namespace ismooth::detail
