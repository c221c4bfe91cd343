#pragma once
// Python keyword arguments in the library's words: the energy parameters of
// `**params` as the "key=value" overrides of energy_selection.hpp (the
// command line's --set), numbers checked by the command's own flags
// (flag_values.hpp), and paths given as str or os.PathLike.

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <vector>

#include "cli/flag_values.hpp"
#include "ismooth/error.hpp"

namespace ismooth::python {

namespace py = pybind11;

/// Each keyword as "key=value", in order: numbers as Python's repr (the
/// shortest text that reads back as the same double), bools as 1/0,
/// strings as given. Unknown keys are left to set_parameter's message.
/// Throws ismooth::Error for a value of another type.
std::vector<std::string> parameter_overrides(const py::kwargs& params);

/// `value` (str or os.PathLike) as a path; "" for None. Throws
/// ismooth::Error naming `what` for another type.
std::string path_text(const py::handle& value, const std::string& what);

/// The name of `value`'s type, for messages.
std::string type_name(const py::handle& value);

/// `value` of keyword `key` as T. Throws ismooth::Error naming the key for
/// a value that is not a T (2.5 for an integer, a list for a number).
template <class T>
T cast_keyword(const py::handle& value, const char* key) {
  try {
    return value.cast<T>();
  } catch (const py::cast_error&) {
    fail(key, "=", std::string(py::repr(value)), ": a value of the wrong type (", type_name(value),
         ")");
  }
}

/// Removes `key` from `kwargs` and returns its value as T (cast_keyword);
/// nothing when the key is absent or None.
template <class T>
std::optional<T> take_keyword(py::kwargs& kwargs, const char* key) {
  if (!kwargs.contains(key)) return std::nullopt;
  const py::object value = kwargs[key];
  PyDict_DelItemString(kwargs.ptr(), key);
  if (value.is_none()) return std::nullopt;
  return cast_keyword<T>(value, key);
}

/// Removes each of `keys` given in `kwargs` (and not None) and sets it
/// through the command's flag of the same name (NumericFlags::set): the
/// flag's range and messages, the keyword named. A value is a number (int
/// for integer flags; a list or tuple of them for a list flag such as
/// dilations); bool and str are refused.
void take_numbers(py::kwargs& kwargs, const cli::NumericFlags& numbers,
                  const std::vector<std::string>& keys);

}  // namespace ismooth::python
