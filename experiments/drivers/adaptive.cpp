// ismooth experiment adaptive: the adaptive-p energy (paper Sec. 5.3, Eq. 8)
// per iteration for each per-image solver, with the fraction of pixels in
// the L2 mask, to show whether the p map settles. The L2 mask is recomputed
// from the current T at every evaluation, so the energy is not a fixed
// function of T: IRLS loses its descent guarantee and any solver may see
// jumps where pixels switch to the α-weighted L2 penalty.
//
// The edge term is off by default (--lambda-e 0) because IRLS cannot
// majorise it (docs/solvers.md); with --lambda-e > 0 IRLS is left out.
//
// Writes OUT/adaptive/records.csv (solver,image + every record),
// OUT/adaptive/summary.csv and adaptive.png.
#include <cmath>
#include <cstdio>

#include "drivers/driver_runs.hpp"
#include "drivers/experiments.hpp"
#include "drivers/plot.hpp"
#include "drivers/run_statistics.hpp"
#include "drivers/summary_files.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

namespace {

/// The last iteration whose L2 fraction moved by more than `tol` from the
/// previous one (0 if it never moved): the p map is stable after it.
int settled_after(const Summary& s, double tol) {
  int last = 0;
  for (std::size_t k = 1; k < s.iterations.size(); ++k)
    if (std::abs(s.iterations[k].l2_fraction - s.iterations[k - 1].l2_fraction) > tol)
      last = int(k);
  return last;
}

}  // namespace

int run_adaptive(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "adaptive";
  fs::create_directories(dir);
  const auto images = load_test_images(o, o.quick ? 48 : kFullTestSide);
  ResultCache runs(o.out, "runs");
  const SolverBudget budget = solver_budget(o);
  EnergySpec energy{"adaptive", PMapKind::adaptive, solver_study_params(PMapKind::adaptive)};
  energy.params.lambda_e = o.lambda_e;
  if (o.lambda_e != 0) {
    char b[48];
    std::snprintf(b, sizeof b, "adaptive-le%g", o.lambda_e);
    energy.name = b;
  }
  std::vector<std::string> solvers = {"adam", "lbfgs"};
  if (o.lambda_e == 0) solvers.insert(solvers.begin(), "irls");
  Progress progress("adaptive", int(images.size() * solvers.size()));

  RecordsCsv records({"solver", "image"});
  std::string summary =
      "solver,images,mean_initial,mean_final,mean_final_l2_fraction,max_settled_after,"
      "mean_seconds\n";
  std::printf("Sec. 5.3: adaptive p map (lambda_e = %g), mean over %zu test images\n", o.lambda_e,
              images.size());
  std::printf("%-8s %13s %13s %9s %14s %9s\n", "solver", "E(start)", "E(final)", "L2 frac",
              "L2 map stable", "seconds");
  for (const auto& solver : solvers) {
    std::vector<Summary> all;
    double l2 = 0;
    int settled = 0;
    for (const auto& image : images) {
      all.push_back(run_cached(o, runs, progress, image, energy, solver, budget, nullptr));
      records.add({solver, image.name}, all.back());
      l2 += all.back().iterations.back().l2_fraction / double(images.size());
      settled = std::max(settled, settled_after(all.back(), 1e-3));
    }
    char line[256];
    std::snprintf(line, sizeof line, "%s,%zu,%.17g,%.17g,%.17g,%d,%.17g\n", solver.c_str(),
                  all.size(), mean_energy_at(all, 0), mean_final_energy(all), l2, settled,
                  mean_seconds(all));
    summary += line;
    const std::string stable = settled < max_iterations(all)
                                   ? "after it. " + std::to_string(settled)
                                   : "no (moving at end)";
    std::printf("%-8s %13.6g %13.6g %9.4f %14s %9.2f\n", solver.c_str(), mean_energy_at(all, 0),
                mean_final_energy(all), l2, stable.c_str(), mean_seconds(all));
  }
  std::printf(
      "(L2 map stable: the last iteration where the L2 fraction moved by > 0.001 on any "
      "image)\n");
  records.write(dir / "records.csv");
  write_text(dir / "summary.csv", summary);
  plot(o, "adaptive", dir);
  std::printf("adaptive: %d parts cached, %d computed; written to %s\n", runs.hits(), runs.misses(),
              dir.string().c_str());
  return 0;
}

}  // namespace ismooth::experiments
