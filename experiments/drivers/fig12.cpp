// ismooth experiment fig12: texture removal (paper Fig. 12, Sec. 7.3) —
// ours (the `texture` model, and the `smoothing` network beside it) against
// the classic texture filters, on synthetic scenes whose answer is known and
// on the test photos (docs/applications.md).
//
// Methods: the texture and smoothing models (method_models.hpp: run when
// shipped or given by --use-model NAME=FILE, else "not shipped"); Adam on
// the texture and the smoothing presets' energies (the per-image solvers of
// what those models train on; scenes only); the library's L0 and WLS;
// OpenCV ximgproc's rolling guidance filter (rgf) and bilateral texture
// filter (btf) through the optional helper (opencv_helper.hpp; "not
// installed" without it). Every method but Adam is an app_bases base layer
// (8 bits, cached).
//
// Synthetic half: per texture_scene (12 of 160 × 160; quick 3 of 64 × 64),
// PSNR against the clean structure and edge keeping on its boundaries.
// Photo half (--images or --quick): every method on every test photo.
// Writes OUT/fig12/scores.csv (per scene and method), summary.csv (means,
// with a status per method), cells.csv and cells/ (the first scene and every
// photo) and fig12.png.
//
// Why Adam and not IRLS as the per-image solver: IRLS's majoriser needs
// λ_e = 0, and on the adaptive map with λ_e = 0 it flattens these scenes to
// a constant within 10 iterations (output standard deviation 0.4 grey levels
// against the input's 29), while on the fixed p = 0.8 map it removes the
// fine detail and keeps large steps.
#include <cstdio>

#include "drivers/app_bases.hpp"
#include "drivers/experiments.hpp"
#include "drivers/method_models.hpp"
#include "drivers/plot.hpp"
#include "drivers/scene_drivers.hpp"
#include "ismooth/apps/scene_scores.hpp"
#include "ismooth/apps/synthetic_scenes.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

int run_fig12(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "fig12";
  const SceneSetup setup = scene_setup(o);
  const std::vector<TestImage> photos = scene_photos(o, "fig12");
  AppBases bases(o);
  // The base-layer methods, models first; "" = runs, else why not.
  std::vector<std::pair<std::string, std::string>> methods;
  for (const char* name : {"texture", "smoothing"}) {
    const MethodModel m = method_model(o, name);
    if (m.available()) bases.add_model("model_" + m.name, m.path.string());
    methods.push_back({"model_" + m.name, m.available() ? "" : m.status});
  }
  for (const char* m : {"rgf", "btf"})
    methods.push_back({m, bases.opencv_installed() ? "" : "not installed"});
  methods.push_back({"l0", ""});
  methods.push_back({"wls", ""});
  Progress progress("fig12", int((setup.scenes + photos.size()) * methods.size()));
  FigureCells cells(dir);
  std::string scores = "scene,method,psnr,edge_keeping\n";
  MethodMeans means;
  for (int k = 0; k < setup.scenes; ++k) {
    const auto scene =
        scenes::texture_scene(std::uint64_t(k), std::size_t(setup.side), std::size_t(setup.side));
    const TestImage as_photo{"texture_scene" + std::to_string(k), scene.image,
                             image_crc(scene.image)};
    std::vector<std::pair<std::string, Image<float>>> outputs = {
        {"input", scene.image},
        {"adam_texture", adam_solve(scene.image, Preset::texture, {}, setup.iterations)},
        {"adam_smoothing", adam_solve(scene.image, Preset::smoothing, {}, setup.iterations)}};
    for (const auto& [method, why] : methods)
      if (why.empty()) outputs.push_back({method, *bases.base(as_photo, method, progress)});
    if (k == 0) cells.add("scene0", "structure", scene.structure);
    for (const auto& [method, out] : outputs) {
      const double psnr = scenes::psnr(out, scene.structure);
      const double keep = scenes::edge_keeping(out, scene.structure, scene.boundaries);
      scores += std::to_string(k) + "," + method + "," + csv_number(psnr, 6) + "," +
                csv_number(keep, 6) + "\n";
      means.add(method, {psnr, keep});
      if (k == 0) cells.add("scene0", method, out);
    }
    for (const auto& [method, why] : methods) {
      if (why.empty()) continue;
      means.skip(method, why);
      if (k == 0) cells.skip("scene0", method, why);
    }
  }
  for (const TestImage& im : photos) {
    cells.add(im.name, "input", im.pixels);
    for (const auto& [method, why] : methods) {
      if (why.empty())
        cells.add(im.name, method, *bases.base(im, method, progress));
      else
        cells.skip(im.name, method, why);
    }
  }
  write_text(dir / "scores.csv", scores);
  write_text(dir / "summary.csv", means.csv("method,scenes,status,mean_psnr,mean_edge_keeping"));
  cells.write();
  std::printf("Fig. 12 (synthetic texture scenes, %d of %dx%d, Adam %d iterations; %zu photos)\n",
              setup.scenes, setup.side, setup.side, setup.iterations, photos.size());
  means.print("method", {"PSNR vs structure (dB)", "edge keeping"});
  plot(o, "fig12", dir);
  std::printf("fig12: %d base layers cached, %d computed; written to %s\n", bases.hits(),
              bases.misses(), dir.string().c_str());
  return 0;
}

}  // namespace ismooth::experiments
