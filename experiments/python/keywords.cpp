// Keyword arguments in the library's words (keywords.hpp).
#include "keywords.hpp"

#include "ismooth/error.hpp"

namespace ismooth::python {

namespace {

// The text of one value, or "" for a type we do not take. An empty str is
// passed on as such: set_parameter refuses it with its own message.
std::string override_text(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "1" : "0";
  if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) return py::repr(value);
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  return "";
}

}  // namespace

std::string type_name(const py::handle& value) {
  return py::str(py::type::handle_of(value).attr("__name__"));
}

std::vector<std::string> parameter_overrides(const py::kwargs& params) {
  std::vector<std::string> sets;
  for (const auto& [key, value] : params) {
    const std::string name = py::str(key);
    std::string text = override_text(value);
    if (text.empty() && py::hasattr(value, "dtype") && py::hasattr(value, "item"))
      text = override_text(value.attr("item")());  // numpy scalars
    require(!text.empty(), "parameter ", name, "=", std::string(py::repr(value)),
            ": expected a number, bool or str, got ", type_name(value));
    sets.push_back(name + "=" + text);
  }
  return sets;
}

std::string path_text(const py::handle& value, const std::string& what) {
  if (value.is_none()) return "";
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (py::hasattr(value, "__fspath__")) return py::str(value.attr("__fspath__")());
  fail(what, ": expected a path (str or os.PathLike), got ", type_name(value));
}

}  // namespace ismooth::python
