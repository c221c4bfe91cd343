// ismooth.edges, energy, solve and minimize: the tool's `edges`, `energy`
// and `solve` on numpy arrays, through the same library calls in the same
// precision (edge maps and solves on float images, energies in double), so
// the results are the tool's bit for bit.
#include <cmath>

#include "arrays.hpp"
#include "calls.hpp"
#include "gate.hpp"
#include "ismooth/energy_report.hpp"
#include "ismooth/energy_selection.hpp"
#include "ismooth/solvers/solve_settings.hpp"
#include "ismooth/structure_edges.hpp"
#include "ismooth/texture_map.hpp"
#include "keywords.hpp"

namespace ismooth::python {

namespace {

std::optional<int> optional_int(const py::object& value, const char* key) {
  if (value.is_none()) return std::nullopt;
  return cast_keyword<int>(value, key);
}

/// The solver settings among solve's keywords (removed from `kwargs`).
solvers::SolveSettings take_settings(const std::string& solver, const py::object& iterations,
                                     py::kwargs& kwargs) {
  solvers::SolveSettings s;
  s.solver = solver;
  s.iterations = optional_int(iterations, "iterations");
  s.learning_rate = take_keyword<double>(kwargs, "learning_rate");
  s.schedule = take_keyword<std::string>(kwargs, "schedule").value_or("");
  s.epsilon = take_keyword<double>(kwargs, "epsilon");
  s.smoothing_epsilon = take_keyword<double>(kwargs, "smoothing_epsilon");
  s.expansion_floor = take_keyword<double>(kwargs, "expansion_floor");
  s.memory = take_keyword<int>(kwargs, "memory");
  s.linear_solver = take_keyword<std::string>(kwargs, "linear_solver").value_or("");
  return s;
}

/// A failed run, or one whose energy or iterate is not finite, is an error
/// (ismooth.SolverError carrying the summary), not a result.
template <class X>
void refuse_failed(const Summary& s, const X& x) {
  if (s.termination == TerminationType::failure)
    raise_solver_error("the solver failed: " + s.message, s);
  if (!std::isfinite(s.final_energy))
    raise_solver_error("the final energy is " + std::to_string(s.final_energy) + ", not finite", s);
  for (std::size_t k = 0; k < x.size(); ++k)
    if (!std::isfinite(double(x.data()[k])))
      raise_solver_error("the final iterate has non-finite values", s);
}

/// Users' terms `[(weight, fun), ...]` on the RGB iterate, fun(T) ->
/// (value, gradient) with T and the gradient H x W x 3 float64: one
/// objective, called through the gate with the GIL.
struct PythonTerms {
  struct Term {
    double weight;
    py::object fun;
  };
  const std::vector<Term>* terms = nullptr;
  PythonGate* gate = nullptr;

  double EvaluateWithGradient(const Image<float>& x, Image<float>& g) const {
    g.resize(x.shape());
    g.fill(0);
    double total = 0;
    const auto outcome = gate->call([&] {
      const py::array_t<double> t = from_image(image_cast<double>(x), false);
      for (const Term& term : *terms) {
        const py::tuple answer = term.fun(t);
        require(answer.size() == 2, "extra term: expected fun(T) to return (value, gradient)");
        const double value = answer[0].cast<double>();
        const Image<double> grad = to_image<double>(answer[1], "extra term gradient").image;
        check_same_size(grad, "extra term gradient", x, "T");
        total += term.weight * value;
        g += term.weight * image_cast<float>(grad);
      }
      return PythonGate::Outcome::go_on;
    });
    return outcome == PythonGate::Outcome::error ? std::nan("") : total;
  }
};

/// A Python function fun(x) -> (value, gradient) on arrays of x0's shape.
struct PythonFunction {
  const py::object* fun = nullptr;
  PythonGate* gate = nullptr;
  std::vector<py::ssize_t> shape;

  double EvaluateWithGradient(const xt::xtensor<double, 1>& x, xt::xtensor<double, 1>& g) const {
    g.resize(x.shape());
    double value = std::nan("");
    const auto outcome = gate->call([&] {
      const py::tuple answer = (*fun)(from_flat(x.data(), shape));
      require(answer.size() == 2, "minimize: expected fun(x) to return (value, gradient)");
      value = answer[0].cast<double>();
      const FlatArray grad = to_flat(answer[1], "minimize: the gradient");
      require(grad.shape == shape, "minimize: the gradient's shape differs from x0's");
      g = grad.values;
      return PythonGate::Outcome::go_on;
    });
    if (outcome == PythonGate::Outcome::error) {
      g.fill(0);
      return std::nan("");
    }
    return value;
  }
};

std::vector<PythonTerms::Term> parse_terms(const py::object& extra_terms) {
  std::vector<PythonTerms::Term> terms;
  if (extra_terms.is_none()) return terms;
  for (const py::handle item : extra_terms) {
    const py::tuple pair = py::reinterpret_borrow<py::object>(item);
    require(pair.size() == 2 && PyCallable_Check(pair[1].ptr()),
            "extra_terms: expected (weight, fun) pairs with fun(T) -> (value, gradient)");
    const double weight = pair[0].cast<double>();
    require(std::isfinite(weight), "extra_terms: weight ", weight, " is not finite");
    terms.push_back({weight, py::reinterpret_borrow<py::object>(pair[1])});
  }
  return terms;
}

}  // namespace

py::array_t<bool> edges(const py::handle& image, bool texture) {
  const InputImage<float> input = to_image<float>(image, "image");
  Mask map;
  {
    py::gil_scoped_release release;
    const Plane<float> e = edge_response(input.image);
    map = texture ? texture_map(input.image, e) : structure_edges(e);
  }
  return from_mask(map);
}

py::dict energy(const py::handle& input, const py::handle& output, const std::string& preset,
                const std::string& energy, const py::handle& edges, const py::handle& mask,
                const py::kwargs& params) {
  const EnergySelection e =
      select_energy(preset, energy, parameter_overrides(params), {}, Spelling::keyword);
  require_mask_applies(!mask.is_none(), e.preset, "mask");
  InputImage<double> in = to_image<double>(input, "input");
  const InputImage<double> out = to_image<double>(output, "output");
  check_same_size(out.image, "output", in.image, "input");
  const PresetInputs inputs = preset_inputs(edges, mask, in.image);
  EnergyTerms terms;
  {
    py::gil_scoped_release release;
    const auto f = make_energy(std::move(in.image), e.preset, e.params, inputs, PMap{e.pmap});
    terms = f.evaluate_terms(out.image);
  }
  require_finite_energy(terms);
  py::dict d;
  for (const auto& [key, value] : energy_report(terms, e.params)) d[py::str(key)] = value;
  d["edge_pixels"] = terms.edge_pixels;  // an int, as the tool prints it
  d["preset"] = preset;
  d["energy"] = energy;
  return d;
}

py::tuple solve(const py::handle& input, const std::string& solver, const std::string& preset,
                const std::string& energy, const py::object& iterations, const py::handle& init,
                const py::object& callback, const py::object& extra_terms, const py::handle& edges,
                const py::handle& mask, py::kwargs params) {
  const solvers::SolveSettings settings = take_settings(solver, iterations, params);
  const solvers::SolverKind kind = solvers::settings_solver(settings, Spelling::keyword);
  const EnergySelection e =
      select_energy(preset, energy, parameter_overrides(params), {}, Spelling::keyword);
  require_mask_applies(!mask.is_none(), e.preset, "mask");
  solvers::SolveOptions options = solvers::solve_options(settings, e.pmap, Spelling::keyword);
  const std::vector<PythonTerms::Term> terms = parse_terms(extra_terms);
  require(terms.empty() || kind != solvers::SolverKind::irls,
          "extra_terms: irls needs terms with a quadratic majoriser (C++ only); use solver='adam' "
          "or 'lbfgs'");

  InputImage<float> in = to_image<float>(input, "input");
  const PresetInputs inputs = preset_inputs(edges, mask, in.image);
  Image<float> t = in.image;
  if (!init.is_none()) {
    t = to_image<float>(init, "init").image;
    check_same_size(t, "init", in.image, "input");
  }
  const bool grey = in.grey;
  PythonGate gate;
  const py::object user = callback;
  options.set_callback(gate.record_callback(&user));
  const Summary s = gate.run([&] {
    const auto f = make_energy(std::move(in.image), e.preset, e.params, inputs, PMap{e.pmap});
    if (terms.empty()) return solvers::solve(kind, options, f, t);
    const PythonTerms mine{&terms, &gate};
    // L-BFGS smooths the paper energy's part of the sum and reports the exact
    // sum (WeightedSum forwards Smoothed to the parts that have it).
    return solvers::solve(kind, options, WeightedSum{Weighted{1.0, f}, Weighted{1.0, mine}}, t);
  });
  refuse_failed(s, t);
  return py::make_tuple(from_image(t, grey), summary_dict(s));
}

py::tuple minimize(const py::object& fun, const py::handle& x0, const std::string& solver,
                   const py::object& iterations, const py::object& callback, py::kwargs options) {
  require(PyCallable_Check(fun.ptr()),
          "minimize: fun must be callable, fun(x) -> (value, gradient)");
  const solvers::SolveSettings settings = take_settings(solver, iterations, options);
  require(options.empty(), "minimize: unknown keyword ",
          options.empty() ? std::string() : std::string(py::str(options.begin()->first)),
          " (solver settings: learning_rate, schedule, smoothing_epsilon (or epsilon), memory)");
  const solvers::SolverKind kind = solvers::settings_solver(settings, Spelling::keyword);
  require(kind != solvers::SolverKind::irls,
          "minimize: irls needs a quadratic majoriser (C++ only); use solver='adam' or 'lbfgs'");
  // A user's function: the solvers' own defaults (PMapKind::custom leaves
  // Adam's learning rate at its default).
  solvers::SolveOptions o = solvers::solve_options(settings, PMapKind::custom, Spelling::keyword);
  FlatArray x = to_flat(x0, "x0");
  require(x.values.size() > 0, "minimize: x0 is empty");
  PythonGate gate;
  const py::object user = callback;
  o.set_callback(gate.record_callback(&user));
  const PythonFunction f{&fun, &gate, x.shape};
  const Summary s = gate.run([&] { return solvers::solve(kind, o, f, x.values); });
  refuse_failed(s, x.values);
  return py::make_tuple(from_flat(x.values.data(), x.shape), summary_dict(s));
}

}  // namespace ismooth::python
