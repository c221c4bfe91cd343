// Long calls without the GIL, callbacks with it; records, summaries and
// errors as Python objects (gate.hpp).
#include "gate.hpp"

#include <pybind11/numpy.h>

#include <filesystem>
#include <sstream>

#include "ismooth/error.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::python {

namespace {

PyObject* g_solver_error = nullptr;  // ismooth.SolverError, owned by the module

std::vector<std::string> standard_columns() {
  std::vector<std::string> columns;
  std::stringstream in(kRecordCsvColumns);
  for (std::string c; std::getline(in, c, ',');) columns.push_back(c);
  return columns;
}

std::vector<double> standard_values(const IterationRecord& r) {
  return {double(r.iteration), r.energy,        r.data,          r.flatten,   r.edge,
          r.l2_fraction,       r.energy_change, r.gradient_norm, r.step_norm, r.seconds};
}

}  // namespace

void require_exists(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw FileMissing(what + " '" + path + "': no such file or folder");
}

PythonGate::Outcome PythonGate::call(const std::function<Outcome()>& f) {
  if (error_) return Outcome::error;
  py::gil_scoped_acquire acquire;
  auto keep = [&](PyObject* type, const char* message) {
    PyErr_SetString(type, message);
    error_.emplace();
    return Outcome::error;
  };
  try {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C: KeyboardInterrupt
    return f();
  } catch (py::error_already_set& e) {
    if (e.matches(PyExc_StopIteration)) return Outcome::stop;
    error_.emplace(std::move(e));
    return Outcome::error;
  } catch (const ismooth::Error& e) {
    return keep(PyExc_ValueError, e.what());
  } catch (const std::exception& e) {
    return keep(PyExc_RuntimeError, e.what());
  }
}

IterationCallback PythonGate::record_callback(const py::object* user) {
  return [this, user](const IterationRecord& r) {
    const Outcome outcome = call([&] {
      if (user->is_none()) return Outcome::go_on;
      const py::object answer = (*user)(record_dict(r));
      const bool stop = answer.is(py::bool_(false));
      return stop ? Outcome::stop : Outcome::go_on;
    });
    switch (outcome) {
      case Outcome::go_on:
        return CallbackReturn::continue_solving;
      case Outcome::stop:
        return CallbackReturn::stop_with_success;
      case Outcome::error:
        break;
    }
    return CallbackReturn::abort;
  };
}

void PythonGate::raise_pending() {
  if (!error_) return;
  py::error_already_set e = std::move(*error_);
  error_.reset();
  throw e;
}

py::dict record_dict(const IterationRecord& r) {
  py::dict d;
  const std::vector<std::string> columns = standard_columns();
  const std::vector<double> values = standard_values(r);
  d["iteration"] = r.iteration;
  for (std::size_t k = 1; k < columns.size(); ++k) d[py::str(columns[k])] = values[k];
  for (const auto& [key, value] : r.extras) d[py::str(key)] = value;
  return d;
}

py::dict summary_dict(const Summary& s) {
  py::dict d;
  d["solver"] = s.solver;
  d["iterations"] = s.num_iterations();
  d["initial_energy"] = s.initial_energy;
  d["final_energy"] = s.final_energy;
  d["termination"] = to_string(s.termination);
  d["message"] = s.message;
  d["seconds"] = s.seconds;
  const py::ssize_t n = py::ssize_t(s.iterations.size());
  py::dict records;
  const std::vector<std::string> columns = standard_columns();
  py::array_t<std::int64_t> iteration(n);
  for (py::ssize_t i = 0; i < n; ++i) iteration.mutable_at(i) = s.iterations[i].iteration;
  records["iteration"] = iteration;
  for (std::size_t k = 1; k < columns.size(); ++k) {
    py::array_t<double> column(n);
    for (py::ssize_t i = 0; i < n; ++i) column.mutable_at(i) = standard_values(s.iterations[i])[k];
    records[py::str(columns[k])] = column;
  }
  for (const std::string& key : extra_keys(s)) {
    py::array_t<double> column(n);
    for (py::ssize_t i = 0; i < n; ++i) {
      const auto& extras = s.iterations[i].extras;
      const auto it = extras.find(key);
      column.mutable_at(i) = it == extras.end() ? std::nan("") : it->second;
    }
    records[py::str(key)] = column;
  }
  d["records"] = records;
  return d;
}

void raise_solver_error(const std::string& message, const Summary& s) {
  const py::object type = py::reinterpret_borrow<py::object>(g_solver_error);
  const py::object error = type(message);
  error.attr("summary") = summary_dict(s);
  PyErr_SetObject(g_solver_error, error.ptr());
  throw py::error_already_set();
}

void register_errors(py::module_& m) {
  g_solver_error = PyErr_NewExceptionWithDoc(
      "ismooth.SolverError",
      "A solve or minimize that failed numerically (termination 'failure', or a non-finite "
      "energy or iterate). Its `summary` attribute holds the run's summary dict.",
      PyExc_RuntimeError, nullptr);
  m.attr("SolverError") = py::reinterpret_borrow<py::object>(g_solver_error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FileMissing& e) {
      PyErr_SetString(PyExc_FileNotFoundError, e.what());
    } catch (const ismooth::Error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
}

}  // namespace ismooth::python
