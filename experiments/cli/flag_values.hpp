#pragma once
// Numbers of flags taken as text and parsed here, so that a bad value is an
// ismooth::Error (exit 1, "ismooth: error: --flag VALUE: ...") like every
// other bad input, not a parser message.

#include <string>

namespace ismooth::cli {

/// A finite number; throws ismooth::Error naming `flag` otherwise.
double parse_number(const char* flag, const std::string& text);

/// An integer ≥ `minimum`; throws ismooth::Error naming `flag` otherwise.
int parse_count(const char* flag, const std::string& text, int minimum = 1);

}  // namespace ismooth::cli
