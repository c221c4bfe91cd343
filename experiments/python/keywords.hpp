#pragma once
// Python keyword arguments in the library's words: the energy parameters of
// `**params` as the "key=value" overrides of energy_selection.hpp (the
// command line's --set), and paths given as str or os.PathLike.

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

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

}  // namespace ismooth::python
