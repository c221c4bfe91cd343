#pragma once
/// \file
/// The one exception type ismooth throws for precondition violations and bad
/// input (unreadable files, wrong sizes, bad parameter values, NaN).
/// Numerical outcomes of solvers are reported in their summaries instead.

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace ismooth {

/// Thrown with a message that names the function and the offending value.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Builds a message from streamable parts and throws ismooth::Error.
template <class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  std::ostringstream message;
  (message << ... << std::forward<Parts>(parts));
  throw Error(message.str());
}

/// Throws ismooth::Error with the given message parts unless `condition` holds.
template <class... Parts>
void require(bool condition, Parts&&... parts) {
  if (!condition) fail(std::forward<Parts>(parts)...);
}

}  // namespace ismooth
