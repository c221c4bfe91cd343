// Numbers of flags parsed into ismooth::Error messages (flag_values.hpp).
#include "cli/flag_values.hpp"

#include <cmath>
#include <cstdio>

#include "ismooth/detail/decimal.hpp"
#include "ismooth/error.hpp"

namespace ismooth::cli {

namespace {

std::string shown(const std::string& text) { return text.empty() ? "''" : text; }

std::string number_text(double v) {
  char s[32];
  std::snprintf(s, sizeof s, "%g", v);
  return s;
}

std::string with_meaning(std::string text, const std::string& meaning) {
  return meaning.empty() ? text : text + " (" + meaning + ")";
}

}  // namespace

std::string IntRange::describe() const {
  return with_meaning("an integer from " + std::to_string(min) + " to " + std::to_string(max),
                      meaning);
}

std::string RealRange::describe() const {
  const std::string low = above_min ? "above " + number_text(min) : "from " + number_text(min);
  return with_meaning("a number " + low + " up to " + number_text(max), meaning);
}

long long parse_integer(const std::string& flag, const std::string& text, const IntRange& range) {
  long long v = 0;
  const std::string why = detail::parse_decimal_integer(text, &v);
  require(why.empty(), flag, " ", shown(text), ": ", why, "; expected ", range.describe());
  require(v >= range.min && v <= range.max, flag, " ", text, ": out of range; expected ",
          range.describe());
  return v;
}

double parse_real(const std::string& flag, const std::string& text, const RealRange& range) {
  double v = 0;
  const std::string why = detail::parse_decimal_real(text, &v);
  require(why.empty(), flag, " ", shown(text), ": ", why, "; expected ", range.describe());
  const bool low_ok = range.above_min ? v > range.min : v >= range.min;
  require(low_ok && v <= range.max, flag, " ", text, ": out of range; expected ", range.describe());
  return v;
}

CLI::Option* NumericFlags::add(CLI::App& cmd, const std::string& names, double& target,
                               RealRange range, const std::string& help) {
  return add_text(cmd, names, help + " [" + range.describe() + "]", false, "NUMBER",
                  [&target, range](const std::string& flag, const Texts& texts) {
                    target = parse_real(flag, texts.back(), range);
                  });
}

CLI::Option* NumericFlags::add_list(CLI::App& cmd, const std::string& names,
                                    std::vector<int>& target, IntRange range,
                                    const std::string& help) {
  return add_text(cmd, names, help + " [each " + range.describe() + "]", true, "INT,...",
                  [&target, range](const std::string& flag, const Texts& texts) {
                    target.clear();
                    for (const std::string& text : texts)
                      target.push_back(int(parse_integer(flag, text, range)));
                  });
}

CLI::Option* NumericFlags::add_text(CLI::App& cmd, const std::string& names,
                                    const std::string& help, bool list, const std::string& type,
                                    Parse parse) {
  Flag& f = flags_.emplace_back();
  f.name = names.substr(0, names.find(','));
  f.list = list;
  f.parse = std::move(parse);
  f.option = cmd.add_option(names, f.texts, help)->type_name(type);
  if (list)
    f.option->delimiter(',');
  else
    f.option->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  return f.option;
}

void NumericFlags::parse_all() const {
  for (const Flag& f : flags_)
    if (!f.texts.empty()) f.parse(f.name, f.texts);
}

bool NumericFlags::set(std::string_view key, const Texts& texts, Spelling spelling) const {
  const std::string flag = option_name(key, Spelling::flag);
  for (const Flag& f : flags_)
    if (f.name == flag) {
      require(f.list || texts.size() == 1, option_name(key, spelling), ": expected one value, got ",
              texts.size());
      f.parse(option_name(key, spelling), texts);
      return true;
    }
  return false;
}

}  // namespace ismooth::cli
