#pragma once
// The functions of the Python module, as module.cpp binds them (the
// docstrings there describe them for Python users).

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "ismooth/smooth.hpp"

namespace ismooth::python {

namespace py = pybind11;

// ---- energy_calls.cpp: the energy and the per-image solvers
py::array_t<bool> edges(const py::handle& image, bool texture);
py::dict energy(const py::handle& input, const py::handle& output, const std::string& preset,
                const std::string& energy, const py::handle& edges, const py::handle& mask,
                const py::kwargs& params);
py::tuple solve(const py::handle& input, const std::string& solver, const std::string& preset,
                const std::string& energy, const py::object& iterations, const py::handle& init,
                const py::object& callback, const py::object& extra_terms, const py::handle& edges,
                const py::handle& mask, py::kwargs params);
py::tuple minimize(const py::object& fun, const py::handle& x0, const std::string& solver,
                   const py::object& iterations, const py::object& callback, py::kwargs options);

// ---- network_calls.cpp: the trained network and its trainer
/// How a Model runs: `ismooth smooth`'s --device, --precision,
/// --no-postprocess, --max-memory (MiB) and --tile.
struct EngineChoice {
  std::string device = "cpu", precision = "fp32";
  bool postprocess = true;
  double max_memory_mib = 6144;
  int tile = 0;
};

/// ismooth.Model: a loaded model and its network (ismooth::Smoother), one
/// image at a time (a lock: the network is not thread-safe).
class Model {
 public:
  Model(const py::object& path_or_name, const EngineChoice& engine);
  py::array_t<float> smooth(const py::handle& image);
  py::dict config() const;
  std::string path() const { return smoother_->model_path().string(); }
  std::string repr() const;

 private:
  std::unique_ptr<Smoother> smoother_;
  std::mutex lock_;
};

py::array_t<float> smooth(const py::handle& image, const py::object& model,
                          const EngineChoice& engine);
py::dict train(const py::object& data, const py::object& out, const py::kwargs& options);
py::tuple overfit(const py::handle& image, const py::object& out, const py::handle& edges,
                  const py::handle& mask, const py::kwargs& options);
/// The shipped model's file: beside the installed module, else
/// network::default_model_path()'s lookup.
std::filesystem::path default_model_file();

// ---- apps_calls.cpp: the applications (Sec. 7), as the tool's commands
py::object saliency(const py::handle& image, double threshold, bool soft);
py::array_t<float> detail(const py::handle& image, const std::string& method,
                          const py::object& factor, const py::object& model,
                          const std::string& smoother, const py::handle& base);
py::dict gradient_reversal(const py::handle& input, const py::handle& enhanced, double threshold,
                           int radius);
py::array_t<float> stylize(const py::handle& image, const std::string& style,
                           const py::object& model, const py::object& seed,
                           const std::string& smoother, bool texture, py::kwargs params);

}  // namespace ismooth::python
