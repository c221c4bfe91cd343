#pragma once
// Long library calls from Python: run without the GIL (other Python threads
// go on), and let Python back in only at the library's own callbacks (the
// solvers' and the trainer's IterationCallback, a Python objective's
// evaluations). There, with the GIL re-acquired, Ctrl-C is checked
// (PyErr_CheckSignals) and the user's function runs; a Python exception
// (KeyboardInterrupt included) stops the run through the callback and is
// raised once the library has returned, so no exception crosses the solvers
// (Ceres among them). Also: records and summaries as Python objects, and
// the exceptions the module raises.

#include <pybind11/pybind11.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "ismooth/summary.hpp"

namespace ismooth::python {

namespace py = pybind11;

/// Raised as FileNotFoundError.
struct FileMissing : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws FileMissing ("<what> '<path>': no such file or folder") unless `path` exists.
void require_exists(const std::string& path, const std::string& what);

/// The gate between a long library call and Python.
class PythonGate {
 public:
  enum class Outcome { go_on, stop, error };

  /// Runs `work` with the GIL released, then raises the first Python error
  /// a callback recorded. Call with the GIL held.
  template <class Work>
  auto run(Work&& work) {
    using Result = decltype(work());
    if constexpr (std::is_void_v<Result>) {
      {
        py::gil_scoped_release release;
        work();
      }
      raise_pending();
    } else {
      std::optional<Result> result;
      {
        py::gil_scoped_release release;
        result.emplace(work());
      }
      raise_pending();
      return std::move(*result);
    }
  }

  /// From inside `run` (without the GIL): re-acquires it, checks for
  /// signals and calls `f`. StopIteration from `f` means stop; any other
  /// exception (KeyboardInterrupt from Ctrl-C, ismooth::Error as
  /// ValueError) is kept for `run` to raise, and every later call answers
  /// `error` at once.
  Outcome call(const std::function<Outcome()>& f);

  bool failed() const { return error_.has_value(); }

  /// An IterationCallback that calls `user(record_dict(r))` through `call`
  /// (`user` may be None: signals are still checked). `user` returning
  /// False, or raising StopIteration, stops with success; an error aborts.
  /// `user` must outlive the callback (it is held by pointer, so copies of
  /// the callback made without the GIL touch no reference counts).
  IterationCallback record_callback(const py::object* user);

 private:
  void raise_pending();
  std::optional<py::error_already_set> error_;
};

/// One record as a dict: the CSV's columns (summary_io.hpp) and its extras.
py::dict record_dict(const IterationRecord& r);

/// A summary as a dict with the keys of `ismooth solve --json` (solver,
/// iterations, initial_energy, final_energy, termination, message, seconds)
/// and `records`: a dict of numpy arrays, one per column (NaN where a record
/// lacks an extra).
py::dict summary_dict(const Summary& s);

/// Raises ismooth.SolverError (a RuntimeError) with `message` and the
/// summary as its `summary` attribute.
[[noreturn]] void raise_solver_error(const std::string& message, const Summary& s);

/// Registers ismooth.SolverError on the module and the translation of the
/// library's exceptions: ismooth::Error -> ValueError, FileMissing ->
/// FileNotFoundError.
void register_errors(py::module_& m);

}  // namespace ismooth::python
