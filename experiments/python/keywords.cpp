// Keyword arguments in the library's words (keywords.hpp).
#include "keywords.hpp"

#include <algorithm>

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

/// A number's text for a numeric flag, or "" for anything else.
std::string number_text(const py::handle& value) {
  if (py::isinstance<py::bool_>(value) || py::isinstance<py::str>(value)) return "";
  if (py::hasattr(value, "dtype") && py::hasattr(value, "item"))
    return number_text(value.attr("item")());  // numpy scalars
  if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) return py::repr(value);
  return "";
}

}  // namespace

void take_numbers(py::kwargs& kwargs, const cli::NumericFlags& numbers,
                  const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    if (!kwargs.contains(key)) continue;
    const py::object value = kwargs[key.c_str()];
    PyDict_DelItemString(kwargs.ptr(), key.c_str());
    if (value.is_none()) continue;
    const bool list = py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value);
    std::vector<std::string> texts;
    for (const py::handle item : list ? py::iterable(value) : py::iterable(py::make_tuple(value)))
      texts.push_back(number_text(item));
    const bool numbers_only =
        std::none_of(texts.begin(), texts.end(), [](const std::string& t) { return t.empty(); });
    require(numbers_only && !texts.empty(), key, "=", std::string(py::repr(value)),
            ": expected a number", list ? "s" : "", ", got ", type_name(value));
    require(numbers.set(key, texts, Spelling::keyword), key, ": not a numeric option");
  }
}

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
