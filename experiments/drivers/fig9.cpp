// ismooth experiment fig9: the ablations of paper Fig. 9 (Sec. 6.1). One CNN
// per setting, trained on the adaptive energy: λ_e ∈ {0, 0.1, 1} ×
// λ_f ∈ {0.5, 1, 2} with residual image learning, and the default setting
// (λ_e 0.1, λ_f 1) without it. Each is evaluated on the test images: the
// energy of its raw output under its own energy, and the mean colour shift
// |mean_c(T) − mean_c(I)| (0–255, mean over channels) of the raw output (no
// gain matching: the paper's "colour attenuation" is what that hides).
//
// Writes OUT/fig9/results.csv (one row per network and image),
// summary.csv (means per network), cells/*.png (outputs on the first test
// image) and fig9.png.
#include <cmath>
#include <cstdio>

#include "drivers/driver_runs.hpp"
#include "drivers/experiments.hpp"
#include "drivers/plot.hpp"
#include "drivers/trained_network.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/trainer.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

namespace {

/// Mean colour shift |mean_c(T) − mean_c(I)| averaged over c (0–255).
double mean_colour_shift(const Image<float>& t, const Image<float>& input) {
  const std::size_t n = height(t) * width(t);
  double total = 0;
  for (std::size_t c = 0; c < 3; ++c) {
    double mt = 0, mi = 0;
    for (std::size_t k = 0; k < n; ++k) {
      mt += t.data()[c * n + k];
      mi += input.data()[c * n + k];
    }
    total += std::abs(mt - mi) / double(n);
  }
  return total / 3;
}

struct Setting {
  double lambda_e, lambda_f;
  bool residual;
  std::string label() const {
    char b[64];
    std::snprintf(b, sizeof b, "le%g-lf%g%s", lambda_e, lambda_f, residual ? "" : "-noresidual");
    return b;
  }
};

}  // namespace

int run_fig9(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "fig9";
  fs::create_directories(dir / "cells");
  const auto images = load_test_images(o, o.quick ? 48 : kFullTestSide);
  const auto train = load_training_images(o, 64);
  ResultCache runs(o.out, "runs"), nets(o.out, "networks");
  const SolverBudget budget = solver_budget(o);
  std::vector<Setting> settings;
  for (double le : {0.0, 0.1, 1.0})
    for (double lf : {0.5, 1.0, 2.0}) settings.push_back({le, lf, true});
  settings.push_back({0.1, 1.0, false});
  Progress progress("fig9", int(settings.size() * (1 + images.size())));
  save_image(images.front().pixels, dir / "cells" / "input.png");

  std::string results =
      "lambda_e,lambda_f,residual,image,energy,data,flatten,edge,l2_fraction,colour_shift,file\n";
  std::string summary = "lambda_e,lambda_f,residual,images,mean_energy,mean_colour_shift\n";
  std::printf("Fig. 9: CNN ablations (adaptive energy), means over %zu test images\n",
              images.size());
  std::printf("%8s %8s %9s %13s %13s\n", "lambda_e", "lambda_f", "residual", "E(own)",
              "colour shift");
  for (const Setting& st : settings) {
    NetworkSpec spec = default_network_spec(o, train);
    spec.config.residual_image = st.residual;
    spec.params = network::default_training_params(Preset::smoothing);
    spec.params.lambda_e = st.lambda_e;
    spec.params.lambda_f = st.lambda_f;
    spec.pmap = PMapKind::adaptive;
    spec.label = "cnn-fig9-" + st.label();
    CachedModel model;
    model.model = trained_network(o, nets, spec, train, progress, &model.id);
    EnergySpec energy{"fig9-" + st.label(), PMapKind::adaptive,
                      solver_study_params(PMapKind::adaptive)};
    energy.params.lambda_e = st.lambda_e;
    energy.params.lambda_f = st.lambda_f;
    double e_sum = 0, shift_sum = 0;
    for (std::size_t k = 0; k < images.size(); ++k) {
      Image<float> t;
      const Summary s = run_cached(o, runs, progress, images[k], energy, "cnn", budget, &model, &t);
      const double shift = mean_colour_shift(t, images[k].pixels);
      const IterationRecord& r = s.iterations.back();
      std::string file;
      if (k == 0) {
        file = "cells/" + st.label() + ".png";
        save_image(t, dir / file);
      }
      results += csv_number(st.lambda_e) + "," + csv_number(st.lambda_f) + "," +
                 (st.residual ? "1" : "0") + "," + images[k].name + "," + csv_number(r.energy) +
                 "," + csv_number(r.data) + "," + csv_number(r.flatten) + "," + csv_number(r.edge) +
                 "," + csv_number(r.l2_fraction) + "," + csv_number(shift) + "," + file + "\n";
      e_sum += r.energy;
      shift_sum += shift;
    }
    const double n = double(images.size());
    summary += csv_number(st.lambda_e) + "," + csv_number(st.lambda_f) + "," +
               (st.residual ? "1" : "0") + "," + std::to_string(images.size()) + "," +
               csv_number(e_sum / n) + "," + csv_number(shift_sum / n) + "\n";
    std::printf("%8g %8g %9s %13.6g %13.4f\n", st.lambda_e, st.lambda_f, st.residual ? "yes" : "no",
                e_sum / n, shift_sum / n);
  }
  write_text(dir / "results.csv", results);
  write_text(dir / "summary.csv", summary);
  plot(o, "fig9", dir);
  std::printf("fig9: %d parts cached, %d computed; written to %s\n", runs.hits() + nets.hits(),
              runs.misses() + nets.misses(), dir.string().c_str());
  return 0;
}

}  // namespace ismooth::experiments
