// Cached per-image runs of the experiment drivers (driver_runs.hpp).
#include "drivers/driver_runs.hpp"

#include <chrono>
#include <cmath>

#include "cli/device_options.hpp"
#include "cli/energy_options.hpp"
#include "cli/interrupt.hpp"
#include "drivers/summary_files.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/inference.hpp"
#include "ismooth/network/trainer.hpp"
#include "ismooth/solvers/solve.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

EnergyParams solver_study_params(PMapKind kind) {
  EnergyParams p = preset_params(Preset::smoothing);
  cli::drop_edge_term_for_fixed_map(p, kind);
  return p;
}

EnergySpec fixed_energy(const std::string& name) {
  const PMapKind kind = parse_pmap_kind(name);
  return {name, kind, solver_study_params(kind)};
}

SolverBudget solver_budget(const DriverOptions& o) {
  SolverBudget b;
  b.irls = o.quick ? 4 : o.irls_iterations;
  b.adam = o.quick ? 15 : o.adam_iterations;
  b.lbfgs = o.quick ? 15 : o.lbfgs_iterations;
  b.overfit = o.overfit_iterations > 0 ? o.overfit_iterations : (o.quick ? 15 : 300);
  b.overfit_from_trained = o.overfit_from != "scratch";
  b.overfit_lr = o.overfit_lr > 0 ? o.overfit_lr : (b.overfit_from_trained ? 1e-3 : 1e-2);
  b.device = o.device;
  return b;
}

SmoothingEnergy<float> build_energy(const TestImage& image, const EnergySpec& energy) {
  return make_energy(image.pixels, Preset::smoothing, energy.params, {}, PMap{energy.kind});
}

namespace {

IterationRecord record_of(const EnergyTerms& t, double seconds) {
  IterationRecord r;
  r.energy = t.total;
  r.data = t.data;
  r.flatten = t.flatten;
  r.edge = t.edge;
  r.l2_fraction = t.l2_fraction;
  r.gradient_norm = std::nan("");
  r.seconds = seconds;
  return r;
}

Summary run_solver(const std::string& solver, const SmoothingEnergy<float>& energy,
                   const EnergySpec& spec, const SolverBudget& b, const CachedModel* model,
                   Image<float>& t) {
  t = energy.input();
  if (const auto kind = solvers::find_solver(solver)) {
    solvers::SolveOptions o;
    o.irls.max_iterations = b.irls;
    o.adam.max_iterations = b.adam;
    o.lbfgs.max_iterations = b.lbfgs;
    // adam.hpp's measured defaults: 5 on the fixed maps, 0.5 on the adaptive one.
    o.adam.learning_rate = spec.kind == PMapKind::adaptive ? 0.5 : 5.0;
    o.set_callback(cli::abort_on_interrupt());
    return solvers::solve(*kind, o, energy, t);
  }
  if (solver == "cnn") {
    require(model != nullptr, "run cnn: no model");
    // The raw network output T255, whose energy the training minimised (the
    // gain-matching post-processing is for display, not part of the energy).
    const auto t0 = std::chrono::steady_clock::now();
    auto net = network::make_network(model->model.config, model->model.parameters,
                                     cli::engine_for_device(b.device));
    net->infer(energy.input(), t);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Summary s;
    s.solver = "cnn";
    s.termination = TerminationType::convergence;
    s.message = "one forward pass";
    s.iterations.push_back(record_of(energy.evaluate_terms(t), seconds));
    s.initial_energy = s.final_energy = s.iterations[0].energy;
    s.seconds = seconds;
    return s;
  }
  require(solver == "cnn-overfit", "unknown solver '", solver, "'");
  network::OverfitOptions o;
  if (b.overfit_from_trained) {
    require(model != nullptr, "run cnn-overfit: no model");
    o.config = model->model.config;
    o.initial = model->model.parameters;
  } else if (model != nullptr) {
    o.config = model->model.config;
  }
  o.max_iterations = b.overfit;
  o.adam.learning_rate = b.overfit_lr;
  o.engine = cli::engine_for_device(b.device);
  o.interrupt = cli::interrupt_flag();
  return network::overfit_network(o, energy, t);
}

}  // namespace

namespace {

Settings run_settings(const TestImage& image, const EnergySpec& energy, const std::string& solver,
                      const SolverBudget& budget, const CachedModel* model) {
  Settings s;
  s.add("image", image.name)
      .add("crc", std::to_string(image.crc))
      .add("size", size_text(image.pixels));
  s.add("energy", energy.name).add("pmap", std::to_string(int(energy.kind)));
  s.add("params", network::describe_energy_params(energy.params)).add("solver", solver);
  if (solver == "irls") s.add("iterations", budget.irls);
  if (solver == "adam") s.add("iterations", budget.adam);
  if (solver == "lbfgs") s.add("iterations", budget.lbfgs);
  if (solver == "cnn-overfit")
    s.add("iterations", budget.overfit)
        .add("lr", budget.overfit_lr)
        .add("from", budget.overfit_from_trained ? "trained" : "scratch");
  if ((solver == "cnn" || solver == "cnn-overfit") && model) s.add("model", model->id);
  if ((solver == "cnn" || solver == "cnn-overfit") && budget.device != "cpu")
    s.add("device", budget.device);
  return s;
}

}  // namespace

fs::path run_png(const ResultCache& cache, const TestImage& image, const EnergySpec& energy,
                 const std::string& solver, const SolverBudget& budget, const CachedModel* model) {
  return cache.path(image.name + "-" + energy.name + "-" + solver,
                    run_settings(image, energy, solver, budget, model), ".png");
}

Summary run_cached(const DriverOptions& o, ResultCache& cache, Progress& progress,
                   const TestImage& image, const EnergySpec& energy, const std::string& solver,
                   const SolverBudget& budget, const CachedModel* model, Image<float>* output) {
  (void)o;
  const Settings s = run_settings(image, energy, solver, budget, model);
  const std::string stem = image.name + "-" + energy.name + "-" + solver;
  const fs::path csv = cache.path(stem, s, ".csv");
  const fs::path png = cache.path(stem, s, ".png");
  const std::string what = solver + " " + energy.name + " " + image.name;
  if (fs::exists(png) && cache.lookup(csv)) {
    progress.item(what, true);
    if (output) *output = load_image(png);
    return read_summary_csv(csv);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto e = build_energy(image, energy);
  Image<float> t;
  const Summary sum = run_solver(solver, e, energy, budget, model, t);
  if (cli::interrupted()) throw cli::Interrupted{};
  save_image(t, png);  // every run keeps its final image (fig5_7 shows them)
  if (output) *output = load_image(png);
  write_summary_csv(csv, sum, cached_summary_csv());  // last: its presence marks the part done
  cache.computed();
  progress.item(what + ": E " + csv_number(sum.initial_energy).substr(0, 10) + " -> " +
                    csv_number(sum.final_energy).substr(0, 10),
                false,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return sum;
}

}  // namespace ismooth::experiments
