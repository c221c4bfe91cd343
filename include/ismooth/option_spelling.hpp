#pragma once
/// \file
/// How an error message names an option the user set, in the caller's
/// vocabulary: the command line's flag ("--stop-after", "--set sigma_r=2")
/// or the Python module's keyword ("stop_after", "sigma_r=2"). Shared code
/// (energy parameters, solver settings, the trainer's and the applications'
/// options) takes a Spelling and names every option through option_name, so
/// `ismooth train` and `ismooth.train` refuse the same value with the same
/// words but each its own name for the option.

#include <string>
#include <string_view>

namespace ismooth {

/// The vocabulary of the caller.
enum class Spelling {
  flag,     ///< the command line: "--key-name"
  keyword,  ///< the Python module: "key_name"
};

/// `key` (snake_case, the Python keyword) as `spelling` writes it:
/// "stop_after" -> "--stop-after" (flag) or "stop_after" (keyword).
inline std::string option_name(std::string_view key, Spelling spelling) {
  std::string name(key);
  if (spelling == Spelling::keyword) return name;
  for (char& c : name)
    if (c == '_') c = '-';
  return "--" + name;
}

/// An option set to a value, as `spelling` writes it: "--model smoothing"
/// (flag) or "model=smoothing" (keyword).
inline std::string option_setting(std::string_view key, std::string_view value, Spelling spelling) {
  return option_name(key, spelling) + (spelling == Spelling::flag ? " " : "=") + std::string(value);
}

/// An energy parameter's "key=value" as `spelling` writes it: "--set
/// sigma_r=2" (flag) or "sigma_r=2" (keyword; a **params keyword).
inline std::string parameter_assignment(std::string_view assignment, Spelling spelling) {
  return (spelling == Spelling::flag ? "--set " : "") + std::string(assignment);
}

inline std::string parameter_assignment(std::string_view key, std::string_view value,
                                        Spelling spelling) {
  return parameter_assignment(std::string(key) + "=" + std::string(value), spelling);
}

/// What a message calls the energy parameters as a whole: "--set" or
/// "energy parameters".
inline std::string_view parameters_name(Spelling spelling) {
  return spelling == Spelling::flag ? "--set" : "energy parameters";
}

}  // namespace ismooth
