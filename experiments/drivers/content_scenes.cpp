// ismooth experiment fig12 / fig13 on the synthetic scenes with known
// answers (include/ismooth/apps/synthetic_scenes.hpp, scene_scores.hpp;
// docs/applications.md). This part needs no trained model: it
// scores per-image solvers of the texture and content-aware energies and the
// library's classic smoothers against the answers, and the saliency detector
// against the true masks. (The trained texture/background/foreground models
// and the test photos join once the models ship.) Scenes are generated, not
// read, and each method costs well under a second at these sizes, so
// nothing is cached.
//
// fig12 (texture removal): per texture_scene, the input itself, Adam on the
// texture preset's energy (the per-image counterpart of the texture model),
// Adam on the smoothing preset, L0 and WLS; PSNR against the clean structure
// and edge keeping on its boundaries. Writes OUT/fig12/scores.csv, summary.csv.
//
// fig13 (content-aware): per content_scene, the detector's IoU and F-measure,
// then Adam on the background preset with the *true* mask (the mask oracle),
// with the *detected* mask, Adam on the smoothing preset, and L0; detail kept
// (gradient energy of the output / of the input) outside and inside the true
// subject. Writes OUT/fig13/scores.csv, summary.csv, cells/ of the first scene.
//
// The per-image solver is Adam (100 iterations, --adam-iterations) from
// T = I on each preset's own energy — the adaptive map and the preset's
// parameters, the loss its network trains on. IRLS is not used: its
// majoriser needs λ_e = 0, and on the adaptive map with λ_e = 0 it flattens
// these scenes to a constant within 10 iterations (output standard deviation
// 0.4 grey levels against the input's 29), while on the fixed p = 0.8 map it
// removes the subject's fine detail and keeps the background's large steps
// (background preset, true mask: detail kept 0.85 outside, 0.15 inside) —
// the opposite of the preset's purpose.
#include <cstdio>
#include <map>

#include "drivers/experiments.hpp"
#include "drivers/result_cache.hpp"
#include "ismooth/apps/saliency.hpp"
#include "ismooth/apps/scene_scores.hpp"
#include "ismooth/apps/synthetic_scenes.hpp"
#include "ismooth/filters/l0_smooth.hpp"
#include "ismooth/filters/wls.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/solvers/adam.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

namespace {

struct SceneSetup {
  int scenes, side, iterations;
};

SceneSetup scene_setup(const DriverOptions& o) {
  SceneSetup s{o.quick ? 3 : 12, o.quick ? 64 : 160, o.adam_iterations};
  if (o.count > 0) s.scenes = o.count;
  if (o.max_side > 0) s.side = o.max_side;
  return s;
}

/// Adam from T = I on the preset's own energy (the adaptive map, the
/// preset's parameters: what its network is trained on).
Image<float> adam_solve(const Image<float>& input, Preset preset, const PresetInputs& inputs,
                        int iterations) {
  const auto energy = make_energy(input, preset, preset_params(preset), inputs);
  Image<float> t = input;
  AdamOptions options;
  options.max_iterations = iterations;
  (void)solve_adam(options, energy, t);
  return t;
}

/// Means per method of the named columns, in first-seen method order.
struct Means {
  std::vector<std::string> order;
  std::map<std::string, std::vector<double>> sums;
  std::map<std::string, int> counts;
  void add(const std::string& method, const std::vector<double>& values) {
    if (!sums.count(method)) {
      order.push_back(method);
      sums[method] = std::vector<double>(values.size(), 0.0);
    }
    for (std::size_t i = 0; i < values.size(); ++i) sums[method][i] += values[i];
    ++counts[method];
  }
  std::string csv(const std::string& header) const {
    std::string out = header + "\n";
    for (const std::string& m : order) {
      out += m + "," + std::to_string(counts.at(m));
      for (double v : sums.at(m)) out += "," + csv_number(v / counts.at(m), 6);
      out += "\n";
    }
    return out;
  }
  double mean(const std::string& method, std::size_t column) const {
    return sums.at(method)[column] / counts.at(method);
  }
};

}  // namespace

int run_fig12(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "fig12";
  fs::create_directories(dir);
  const SceneSetup setup = scene_setup(o);
  std::string scores = "scene,method,psnr,edge_keeping\n";
  Means means;
  for (int k = 0; k < setup.scenes; ++k) {
    const auto scene = scenes::texture_scene(std::uint64_t(k), std::size_t(setup.side),
                                             std::size_t(setup.side));
    const std::vector<std::pair<std::string, Image<float>>> outputs = {
        {"input", scene.image},
        {"adam_texture", adam_solve(scene.image, Preset::texture, {}, setup.iterations)},
        {"adam_smoothing", adam_solve(scene.image, Preset::smoothing, {}, setup.iterations)},
        {"l0", filters::l0_smooth(scene.image)},
        {"wls", filters::wls_smooth(scene.image)}};
    for (const auto& [method, out] : outputs) {
      const double psnr = scenes::psnr(out, scene.structure);
      const double keep = scenes::edge_keeping(out, scene.structure, scene.boundaries);
      scores += std::to_string(k) + "," + method + "," + csv_number(psnr, 6) + "," +
                csv_number(keep, 6) + "\n";
      means.add(method, {psnr, keep});
    }
  }
  write_text(dir / "scores.csv", scores);
  write_text(dir / "summary.csv", means.csv("method,scenes,mean_psnr,mean_edge_keeping"));
  std::printf("Fig. 12 (synthetic texture scenes, %d of %dx%d, Adam %d iterations)\n",
              setup.scenes, setup.side, setup.side, setup.iterations);
  std::printf("%-16s %10s %14s\n", "method", "PSNR dB", "edge keeping");
  for (const std::string& m : means.order)
    std::printf("%-16s %10.2f %14.3f\n", m.c_str(), means.mean(m, 0), means.mean(m, 1));
  std::printf("fig12: written to %s\n", dir.string().c_str());
  return 0;
}

int run_fig13(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "fig13";
  fs::create_directories(dir / "cells");
  const SceneSetup setup = scene_setup(o);
  std::string scores = "scene,method,iou,f_measure,detail_kept_background,detail_kept_subject\n";
  Means means, detector;
  for (int k = 0; k < setup.scenes; ++k) {
    const auto scene = scenes::content_scene(std::uint64_t(k), std::size_t(setup.side),
                                             std::size_t(setup.side));
    const Mask detected = salient_object_mask(scene.image);
    const double iou = scenes::mask_iou(detected, scene.subject);
    const double f = scenes::f_measure(detected, scene.subject);
    detector.add("saliency", {iou, f});
    scores += std::to_string(k) + ",saliency," + csv_number(iou, 6) + "," + csv_number(f, 6) +
              ",,\n";
    PresetInputs oracle, found;
    oracle.foreground = scene.subject;
    found.foreground = detected;
    const std::vector<std::pair<std::string, Image<float>>> outputs = {
        {"adam_background_oracle",
         adam_solve(scene.image, Preset::background, oracle, setup.iterations)},
        {"adam_background_detected",
         adam_solve(scene.image, Preset::background, found, setup.iterations)},
        {"adam_smoothing", adam_solve(scene.image, Preset::smoothing, {}, setup.iterations)},
        {"l0", filters::l0_smooth(scene.image)}};
    const double bg_in = scenes::gradient_energy(scene.image, scene.subject, false);
    const double fg_in = scenes::gradient_energy(scene.image, scene.subject, true);
    if (k == 0) {
      save_image(scene.image, dir / "cells" / "input.png");
      save_mask(scene.subject, dir / "cells" / "true_mask.png");
      save_mask(detected, dir / "cells" / "detected_mask.png");
    }
    for (const auto& [method, out] : outputs) {
      const double bg = scenes::gradient_energy(out, scene.subject, false) / bg_in;
      const double fg = scenes::gradient_energy(out, scene.subject, true) / fg_in;
      scores += std::to_string(k) + "," + method + ",,," + csv_number(bg, 6) + "," +
                csv_number(fg, 6) + "\n";
      means.add(method, {bg, fg});
      if (k == 0) save_image(out, dir / "cells" / (method + ".png"));
    }
  }
  write_text(dir / "scores.csv", scores);
  write_text(dir / "summary.csv",
             detector.csv("method,scenes,mean_iou,mean_f_measure") + "\n" +
                 means.csv("method,scenes,mean_detail_kept_background,mean_detail_kept_subject"));
  std::printf("Fig. 13 (synthetic content scenes, %d of %dx%d, Adam %d iterations)\n",
              setup.scenes, setup.side, setup.side, setup.iterations);
  std::printf("saliency detector: mean IoU %.3f, mean F-measure %.3f\n",
              detector.mean("saliency", 0), detector.mean("saliency", 1));
  std::printf("%-26s %22s %19s\n", "method", "detail kept: background", "subject");
  for (const std::string& m : means.order)
    std::printf("%-26s %22.3f %19.3f\n", m.c_str(), means.mean(m, 0), means.mean(m, 1));
  std::printf("fig13: written to %s\n", dir.string().c_str());
  return 0;
}

}  // namespace ismooth::experiments
