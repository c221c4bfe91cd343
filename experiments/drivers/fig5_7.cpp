// ismooth experiment fig5_7: the visual grid of paper Fig. 5 and 7 — each
// solver (IRLS, Adam, L-BFGS, the trained CNN) × each p setting (all-L2,
// all-L0.8, half, adaptive) on one photo, one PNG with labelled cells and a
// zoomed inset per cell.
//
// Departure from the paper: the adaptive row has the edge term off
// (λ_e = 0) in every cell, so IRLS (which cannot majorise the edge term)
// minimises the same energy as the others. The CNNs of the fixed maps are
// fig6's (same cache); the adaptive one is trained here with λ_e = 0.
//
// Writes OUT/fig5_7/cells/*.png, cells.csv (row,column,file,energy) and
// fig5_7.png.
#include <cstdio>

#include "drivers/driver_runs.hpp"
#include "drivers/experiments.hpp"
#include "drivers/plot.hpp"
#include "drivers/trained_network.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/trainer.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

CachedModel fixed_energy_network(const DriverOptions& o, ResultCache& nets,
                                 const network::ImageSet& train, const EnergySpec& energy,
                                 Progress& progress);

int run_fig5_7(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "fig5_7";
  fs::create_directories(dir / "cells");
  const int side = o.max_side > 0 ? o.max_side : (o.quick ? 48 : kFullTestSide);
  TestImage photo;
  if (!o.photo.empty()) {
    photo = load_photo(o.photo, side);
  } else {
    DriverOptions first = o;
    first.count = 1;
    photo = load_test_images(first, side, 1).front();
  }
  const auto train = load_training_images(o, 64);
  ResultCache runs(o.out, "runs"), nets(o.out, "networks");
  const SolverBudget budget = solver_budget(o);
  const std::vector<std::string> maps = {"l2", "l08", "half", "adaptive"};
  const std::vector<std::string> solvers = {"irls", "adam", "lbfgs", "cnn"};
  Progress progress("fig5_7", int(maps.size() * (1 + solvers.size())));

  save_image(photo.pixels, dir / "cells" / "input.png");
  std::string cells = "row,column,file,energy,initial_energy\n";
  std::printf("Fig. 5/7: %s (%s), final energy per cell (edge term off)\n", photo.name.c_str(),
              size_text(photo.pixels).c_str());
  std::printf("%-9s", "map");
  for (const auto& s : solvers) std::printf(" %13s", s.c_str());
  std::printf("\n");
  for (const auto& map : maps) {
    EnergySpec energy = map == "adaptive" ? EnergySpec{"adaptive", PMapKind::adaptive,
                                                       solver_study_params(PMapKind::adaptive)}
                                          : fixed_energy(map);
    energy.params.lambda_e = 0;
    CachedModel model;
    if (map != "adaptive") {
      model = fixed_energy_network(o, nets, train, energy, progress);
    } else {
      NetworkSpec spec = default_network_spec(o, train);
      spec.params = network::default_training_params(Preset::smoothing);
      spec.params.lambda_e = 0;
      spec.pmap = PMapKind::adaptive;
      spec.label = "cnn-adaptive";
      model.model = trained_network(o, nets, spec, train, progress, &model.id);
    }
    std::printf("%-9s", map.c_str());
    for (const auto& solver : solvers) {
      const Summary s = run_cached(o, runs, progress, photo, energy, solver, budget, &model);
      const std::string file = map + "_" + solver + ".png";
      fs::copy_file(run_png(runs, photo, energy, solver, budget, &model), dir / "cells" / file,
                    fs::copy_options::overwrite_existing);
      cells += map + "," + solver + ",cells/" + file + "," + csv_number(s.final_energy) + "," +
               csv_number(s.initial_energy) + "\n";
      std::printf(" %13.6g", s.final_energy);
    }
    std::printf("\n");
  }
  write_text(dir / "cells.csv", cells);
  plot(o, "fig5_7", dir);
  std::printf("fig5_7: %d parts cached, %d computed; written to %s\n", runs.hits() + nets.hits(),
              runs.misses() + nets.misses(), dir.string().c_str());
  return 0;
}

}  // namespace ismooth::experiments
