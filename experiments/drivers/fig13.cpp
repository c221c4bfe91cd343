// ismooth experiment fig13: content-aware smoothing (paper Figs. 1 and 13,
// Sec. 7.4) — the saliency detector, background smoothing and foreground
// enhancement, on synthetic scenes whose subject is known and on the test
// photos (docs/applications.md).
//
// Detectors: the built-in MB+ detector (apps/saliency.hpp) and, for
// comparison, OpenCV's spectral-residual saliency through the optional
// helper (opencv_helper.hpp; "not installed" without it).
// Methods: Adam (--adam-iterations) on the background preset's energy with
// the true mask (the mask oracle) and with the detected mask, on the
// foreground preset's with the true mask, on the smoothing preset's; L0;
// the background, foreground and smoothing models (method_models.hpp: run
// when shipped or given by --use-model NAME=FILE, else "not shipped"), and
// the foreground enhancement: the detail boost of `ismooth detail --model
// foreground` (sigmoid, K = 15) over the foreground model's base.
//
// Synthetic half: per content_scene (12 of 160 × 160; quick 3 of 64 × 64),
// each detector's IoU and F-measure against the true subject, and each
// method's detail kept (gradient energy of the output / of the input)
// outside and inside it. Photo half (--images or --quick), the paper's
// Fig. 13 layout per photo: input, the two detectors' masks, background
// smoothing, foreground enhancement, the smoothing network; beside them
// the per-image counterparts: Adam on the background preset's energy with
// the detected mask, and the foreground enhancement over Adam on the
// foreground preset's (not cached: seconds per photo at 128 px).
// Writes OUT/fig13/scores.csv, summary.csv (detectors, then methods, each
// with a status), photo_masks.csv (per photo: the salient fraction of each
// mask and their IoU), cells.csv and cells/ (the first scene and every
// photo) and fig13.png.
#include <cstdio>

#include "drivers/app_bases.hpp"
#include "drivers/experiments.hpp"
#include "drivers/method_models.hpp"
#include "drivers/opencv_helper.hpp"
#include "drivers/plot.hpp"
#include "drivers/scene_drivers.hpp"
#include "ismooth/apps/detail_boost.hpp"
#include "ismooth/apps/saliency.hpp"
#include "ismooth/apps/scene_scores.hpp"
#include "ismooth/apps/synthetic_scenes.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

namespace {

double salient_fraction(const Mask& m) {
  std::size_t n = 0;
  for (auto v : m) n += v;
  return double(n) / double(m.size());
}

/// The network outputs of one image: each available model's base, and the
/// foreground enhancement over the foreground model's; a skipped method
/// carries its status instead.
struct ModelOutputs {
  std::vector<std::pair<std::string, Image<float>>> ran;
  std::vector<std::pair<std::string, std::string>> skipped;
};

}  // namespace

int run_fig13(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "fig13";
  const SceneSetup setup = scene_setup(o);
  const std::vector<TestImage> photos = scene_photos(o, "fig13");
  AppBases bases(o);
  std::vector<MethodModel> models;
  for (const char* name : {"background", "foreground", "smoothing"}) {
    models.push_back(method_model(o, name));
    if (models.back().available())
      bases.add_model("model_" + models.back().name, models.back().path.string());
  }
  const fs::path helper = find_opencv_helper();
  Progress progress("fig13", int((setup.scenes + photos.size()) * (models.size() + 1)));
  const auto model_outputs = [&](const TestImage& im) {
    ModelOutputs out;
    for (const MethodModel& m : models) {
      const std::string method = "model_" + m.name;
      if (!m.available()) {
        out.skipped.push_back({method, m.status});
        if (m.name == "foreground") out.skipped.push_back({"foreground_enhanced", m.status});
        continue;
      }
      Image<float> base = *bases.base(im, method, progress);
      if (m.name == "foreground")
        out.ran.push_back({"foreground_enhanced", apps::boost_detail(im.pixels, base, {})});
      out.ran.push_back({method, std::move(base)});
    }
    return out;
  };
  FigureCells cells(dir);
  std::string scores = "scene,method,iou,f_measure,detail_kept_background,detail_kept_subject\n";
  MethodMeans means, detectors;
  for (int k = 0; k < setup.scenes; ++k) {
    const auto scene =
        scenes::content_scene(std::uint64_t(k), std::size_t(setup.side), std::size_t(setup.side));
    const TestImage as_photo{"content_scene" + std::to_string(k), scene.image,
                             image_crc(scene.image)};
    const Mask detected = salient_object_mask(scene.image);
    std::vector<std::pair<std::string, Mask>> masks = {{"saliency", detected}};
    const auto sr = spectral_residual_mask(helper, scene.image, dir / as_photo.name);
    if (sr) masks.push_back({"spectral_residual", *sr});
    for (const auto& [name, mask] : masks) {
      const double iou = scenes::mask_iou(mask, scene.subject);
      const double f = scenes::f_measure(mask, scene.subject);
      detectors.add(name, {iou, f});
      scores += std::to_string(k) + "," + name + "," + csv_number(iou, 6) + "," + csv_number(f, 6) +
                ",,\n";
      if (k == 0) cells.add("scene0", "mask_" + name, mask);
    }
    if (!sr) {
      detectors.skip("spectral_residual", "not installed");
      if (k == 0) cells.skip("scene0", "mask_spectral_residual", "not installed");
    }
    PresetInputs oracle, found;
    oracle.foreground = scene.subject;
    found.foreground = detected;
    std::vector<std::pair<std::string, Image<float>>> outputs = {
        {"adam_background_oracle",
         adam_solve(scene.image, Preset::background, oracle, setup.iterations)},
        {"adam_background_detected",
         adam_solve(scene.image, Preset::background, found, setup.iterations)},
        {"adam_foreground_oracle",
         adam_solve(scene.image, Preset::foreground, oracle, setup.iterations)},
        {"adam_smoothing", adam_solve(scene.image, Preset::smoothing, {}, setup.iterations)},
        {"l0", *bases.base(as_photo, "l0", progress)}};
    ModelOutputs net = model_outputs(as_photo);
    for (auto& r : net.ran) outputs.push_back(std::move(r));
    const double bg_in = scenes::gradient_energy(scene.image, scene.subject, false);
    const double fg_in = scenes::gradient_energy(scene.image, scene.subject, true);
    if (k == 0) {
      cells.add("scene0", "input", scene.image);
      cells.add("scene0", "true_mask", scene.subject);
    }
    for (const auto& [method, out] : outputs) {
      const double bg = scenes::gradient_energy(out, scene.subject, false) / bg_in;
      const double fg = scenes::gradient_energy(out, scene.subject, true) / fg_in;
      scores += std::to_string(k) + "," + method + ",,," + csv_number(bg, 6) + "," +
                csv_number(fg, 6) + "\n";
      means.add(method, {bg, fg});
      if (k == 0) cells.add("scene0", method, out);
    }
    for (const auto& [method, status] : net.skipped) {
      means.skip(method, status);
      if (k == 0) cells.skip("scene0", method, status);
    }
  }
  std::string photo_masks = "image,saliency_fraction,spectral_residual_fraction,agreement_iou\n";
  for (const TestImage& im : photos) {
    cells.add(im.name, "input", im.pixels);
    const Mask ours = salient_object_mask(im.pixels);
    cells.add(im.name, "mask_saliency", ours);
    photo_masks += im.name + "," + csv_number(salient_fraction(ours), 6) + ",";
    if (const auto sr = spectral_residual_mask(helper, im.pixels, dir / im.name)) {
      cells.add(im.name, "mask_spectral_residual", *sr);
      photo_masks += csv_number(salient_fraction(*sr), 6) + "," +
                     csv_number(scenes::mask_iou(*sr, ours), 6) + "\n";
    } else {
      cells.skip(im.name, "mask_spectral_residual", "not installed");
      photo_masks += ",\n";
    }
    const ModelOutputs net = model_outputs(im);
    for (const auto& [method, out] : net.ran) cells.add(im.name, method, out);
    for (const auto& [method, status] : net.skipped) cells.skip(im.name, method, status);
    // What the models learn, per image: Adam on the two presets' energies
    // with the detected mask.
    PresetInputs found;
    found.foreground = ours;
    cells.add(im.name, "adam_background_detected",
              adam_solve(im.pixels, Preset::background, found, setup.iterations));
    cells.add(
        im.name, "adam_foreground_enhanced",
        apps::boost_detail(im.pixels,
                           adam_solve(im.pixels, Preset::foreground, found, setup.iterations), {}));
  }
  write_text(dir / "scores.csv", scores);
  write_text(dir / "summary.csv", detectors.csv("method,scenes,status,mean_iou,mean_f_measure") +
                                      "\n" +
                                      means.csv("method,scenes,status,mean_detail_kept_background,"
                                                "mean_detail_kept_subject"));
  write_text(dir / "photo_masks.csv", photo_masks);
  cells.write();
  std::printf("Fig. 13 (synthetic content scenes, %d of %dx%d, Adam %d iterations; %zu photos)\n",
              setup.scenes, setup.side, setup.side, setup.iterations, photos.size());
  detectors.print("detector", {"IoU", "F-measure"});
  means.print("method", {"detail kept: background", "detail kept: subject"});
  plot(o, "fig13", dir);
  std::printf("fig13: %d base layers cached, %d computed; written to %s\n", bases.hits(),
              bases.misses(), dir.string().c_str());
  return 0;
}

}  // namespace ismooth::experiments
