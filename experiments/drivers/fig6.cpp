// ismooth experiment fig6: energy vs iteration (paper Fig. 6, Sec. 5.2) for
// IRLS, Adam, L-BFGS, the trained CNN (one forward pass) and the CNN
// over-fitted on each image, on the three fixed-p energies of the solver
// study (all-L2, all-L0.8, left-L2/right-L0.8; edge term off), averaged over
// the test images. One CNN is trained per energy (the trainer's default
// clipped gradient, λ_e = 0); the over-fitted CNN starts from it by default
// (--overfit-from scratch for the paper's from-scratch variant).
//
// Writes OUT/fig6/records.csv (energy_map,solver,image + every record),
// OUT/fig6/summary.csv (means per energy and solver), OUT/fig6/orderings.csv
// (per-photo comparisons: how many photos each ordering the paper shows holds
// on, and the range of each solver's final energy over IRLS's) and fig6.png.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "drivers/driver_runs.hpp"
#include "drivers/experiments.hpp"
#include "drivers/plot.hpp"
#include "drivers/run_statistics.hpp"
#include "drivers/summary_files.hpp"
#include "drivers/trained_network.hpp"
#include "ismooth/network/trainer.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

/// The fixed-p energies and their CNNs, shared with fig5_7.
CachedModel fixed_energy_network(const DriverOptions& o, ResultCache& nets,
                                 const network::ImageSet& train, const EnergySpec& energy,
                                 Progress& progress) {
  NetworkSpec spec = default_network_spec(o, train);
  spec.params = network::default_training_params(Preset::smoothing);
  spec.params.lambda_e = energy.params.lambda_e;
  spec.pmap = energy.kind;
  spec.label = "cnn-" + energy.name;
  CachedModel m;
  m.model = trained_network(o, nets, spec, train, progress, &m.id);
  return m;
}

namespace {

/// One row of orderings.csv for one energy: per photo, final energies compared.
std::string orderings_row(const std::string& energy,
                          const std::map<std::string, std::vector<Summary>>& runs) {
  const auto& irls = runs.at("irls");
  const auto final_of = [&](const std::string& solver, std::size_t k) {
    return runs.at(solver)[k].final_energy;
  };
  int irls_le_adam = 0, irls_le_lbfgs = 0, cnn_above = 0, overfit_below = 0;
  for (std::size_t k = 0; k < irls.size(); ++k) {
    const double e_irls = final_of("irls", k), e_adam = final_of("adam", k);
    irls_le_adam += e_irls <= e_adam;
    irls_le_lbfgs += e_irls <= final_of("lbfgs", k);
    cnn_above += final_of("cnn", k) > std::max(e_irls, e_adam);
    overfit_below += final_of("cnn-overfit", k) < final_of("cnn", k);
  }
  std::string row = energy + "," + std::to_string(irls.size()) + "," +
                    std::to_string(irls_le_adam) + "," + std::to_string(irls_le_lbfgs) + "," +
                    std::to_string(cnn_above) + "," + std::to_string(overfit_below);
  for (const char* solver : {"adam", "lbfgs", "cnn", "cnn-overfit"}) {
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t k = 0; k < irls.size(); ++k) {
      const double r = final_of(solver, k) / final_of("irls", k);
      lo = std::min(lo, r);
      hi = std::max(hi, r);
    }
    char range[64];
    std::snprintf(range, sizeof range, ",%.6g,%.6g", lo, hi);
    row += range;
  }
  return row + "\n";
}

}  // namespace

int run_fig6(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "fig6";
  fs::create_directories(dir);
  const auto images = load_test_images(o, o.quick ? 48 : kFullTestSide);
  const auto train = load_training_images(o, 64);
  ResultCache runs(o.out, "runs"), nets(o.out, "networks");
  const SolverBudget budget = solver_budget(o);
  const std::vector<std::string> energies = {"l2", "l08", "half"};
  const std::vector<std::string> solvers = {"irls", "adam", "lbfgs", "cnn", "cnn-overfit"};
  Progress progress("fig6", int(energies.size() * (1 + images.size() * solvers.size())));
  progress.note(std::to_string(images.size()) + " test images, " + std::to_string(train.size()) +
                " training images, results under " + dir.string());

  RecordsCsv records({"energy_map", "solver", "image"});
  std::string summary =
      "energy_map,solver,images,max_iterations,mean_initial,mean_after_1,mean_final,mean_seconds\n";
  std::string table;
  std::string orderings =
      "energy_map,images,irls_le_adam,irls_le_lbfgs,cnn_above_irls_and_adam,overfit_below_cnn,"
      "adam_over_irls_min,adam_over_irls_max,lbfgs_over_irls_min,lbfgs_over_irls_max,"
      "cnn_over_irls_min,cnn_over_irls_max,overfit_over_irls_min,overfit_over_irls_max\n";
  for (const auto& name : energies) {
    const EnergySpec energy = fixed_energy(name);
    const CachedModel model = fixed_energy_network(o, nets, train, energy, progress);
    std::map<std::string, std::vector<Summary>> by_solver;
    for (const auto& solver : solvers) {
      std::vector<Summary>& all = by_solver[solver];
      for (const auto& image : images) {
        all.push_back(run_cached(o, runs, progress, image, energy, solver, budget, &model));
        records.add({name, solver, image.name}, all.back());
      }
      char line[256];
      std::snprintf(line, sizeof line, "%.17g,%.17g,%.17g,%.17g", mean_energy_at(all, 0),
                    mean_energy_at(all, 1), mean_final_energy(all), mean_seconds(all));
      summary += name + "," + solver + "," + std::to_string(all.size()) + "," +
                 std::to_string(max_iterations(all)) + "," + line + "\n";
      std::snprintf(line, sizeof line, "%-5s %-12s %5d %13.6g %13.6g %13.6g %9.2f\n", name.c_str(),
                    solver.c_str(), max_iterations(all), mean_energy_at(all, 0),
                    mean_energy_at(all, 1), mean_final_energy(all), mean_seconds(all));
      table += line;
    }
    orderings += orderings_row(name, by_solver);
  }
  records.write(dir / "records.csv");
  write_text(dir / "summary.csv", summary);
  write_text(dir / "orderings.csv", orderings);
  std::printf("Fig. 6: mean energy over %zu test images (edge term off)\n", images.size());
  std::printf("%-5s %-12s %5s %13s %13s %13s %9s\n", "map", "solver", "iter", "E(start)",
              "E(1 iter)", "E(final)", "seconds");
  std::fputs(table.c_str(), stdout);
  std::printf("Per photo (final energies; ratios to IRLS's):\n");
  std::fputs(orderings.c_str(), stdout);
  plot(o, "fig6", dir);
  std::printf("fig6: %d parts cached, %d computed; written to %s\n", runs.hits() + nets.hits(),
              runs.misses() + nets.misses(), dir.string().c_str());
  return 0;
}

}  // namespace ismooth::experiments
