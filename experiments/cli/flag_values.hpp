#pragma once
// Numbers of flags, all read by one parser (ismooth/detail/decimal.hpp:
// decimal only, whole text) and checked against the flag's documented range,
// so that a bad value is an ismooth::Error (exit 1, "ismooth: error: --flag
// VALUE: ... expected ...") naming the flag and what it accepts, before any
// work — never a CLI11 message, a silent wrap-around or a hex surprise.

#include <CLI/CLI.hpp>
#include <concepts>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "ismooth/option_spelling.hpp"

namespace ismooth::cli {

/// The values an integer flag accepts: [min, max], and what special values
/// mean (e.g. "0 = default"), shown in --help and in every error.
struct IntRange {
  long long min = 0, max = 0;
  std::string meaning;
  std::string describe() const;  ///< "an integer from MIN to MAX (MEANING)"
};

/// The values a real flag accepts: finite, min ≤ v ≤ max (min < v with
/// `above_min`), and what special values mean.
struct RealRange {
  double min = 0, max = 0;
  bool above_min = false;
  std::string meaning;
  std::string describe() const;  ///< "a number from MIN to MAX (MEANING)"
};

/// An integer in `range`; throws ismooth::Error naming `flag` otherwise.
long long parse_integer(const std::string& flag, const std::string& text, const IntRange& range);

/// A finite number in `range`; throws ismooth::Error naming `flag` otherwise.
double parse_real(const std::string& flag, const std::string& text, const RealRange& range);

/// A subcommand's numeric flags: registered as text (the help shows the
/// range), parsed and range-checked together by parse_all(), which the
/// subcommand calls before any work. A flag not given keeps its default.
class NumericFlags {
  using Texts = std::vector<std::string>;

 public:
  template <std::integral T>
  CLI::Option* add(CLI::App& cmd, const std::string& names, T& target, IntRange range,
                   const std::string& help) {
    return add_text(cmd, names, help + " [" + range.describe() + "]", false, "INT",
                    [&target, range](const std::string& flag, const Texts& texts) {
                      target = static_cast<T>(parse_integer(flag, texts.back(), range));
                    });
  }
  CLI::Option* add(CLI::App& cmd, const std::string& names, double& target, RealRange range,
                   const std::string& help);
  /// A comma-separated list of integers, each in `range`.
  CLI::Option* add_list(CLI::App& cmd, const std::string& names, std::vector<int>& target,
                        IntRange range, const std::string& help);

  /// Parses every flag given; throws ismooth::Error at the first bad one.
  void parse_all() const;

  /// Parses `texts` (one value, or a list's items) as the value of the flag
  /// of `key` (option_name(key, Spelling::flag): "edge_sigma" is
  /// --edge-sigma), with its range, naming it option_name(key, spelling) in
  /// errors: the Python module's keywords get the flags' ranges and
  /// messages in their own words. More than one text only for a list flag.
  /// False when no flag has that name.
  bool set(std::string_view key, const Texts& texts, Spelling spelling) const;

 private:
  using Parse = std::function<void(const std::string& flag, const Texts& texts)>;
  struct Flag {
    std::string name;  // the first long name, for messages
    bool list = false;
    Texts texts;
    CLI::Option* option = nullptr;
    Parse parse;
  };
  CLI::Option* add_text(CLI::App& cmd, const std::string& names, const std::string& help, bool list,
                        const std::string& type, Parse parse);
  std::deque<Flag> flags_;  // a deque: CLI11 keeps pointers to the texts
};

}  // namespace ismooth::cli
