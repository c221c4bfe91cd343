// ismooth experiment fig10: image abstraction and pencil drawing (paper
// Fig. 10, Sec. 7.1) on the test images, on three smoothings — ours (the
// shipped `smoothing` model, or --model), WLS and L0 — with the
// structure-edge map B of the input beside them. The stages are the
// library's (include/ismooth/apps/), with their published defaults.
//
// Writes OUT/fig10/cells.csv (image, column, file), cells/*.png and
// fig10.png (the first three images: input, B, then abstraction and pencil
// drawing per smoother).
#include <cstdio>

#include "drivers/app_bases.hpp"
#include "drivers/experiments.hpp"
#include "drivers/plot.hpp"
#include "ismooth/apps/abstraction.hpp"
#include "ismooth/apps/pencil.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/structure_edges.hpp"

namespace ismooth::experiments {

int run_fig10(const DriverOptions& o) {
  const fs::path dir = fs::path(o.out) / "fig10";
  fs::create_directories(dir / "cells");
  const auto images = load_test_images(o, o.quick ? 48 : kFullTestSide);
  AppBases bases(o, o.model.empty() ? "smoothing" : o.model);
  const std::vector<std::string> methods = {"ours", "wls", "l0"};
  Progress progress("fig10", int(images.size() * methods.size()));
  std::string cells = "image,column,file\n";
  auto cell = [&](const std::string& image, const std::string& column, const Image<float>& pixels) {
    const std::string file = "cells/" + image + "_" + column + ".png";
    save_image(pixels, dir / file);
    cells += image + "," + column + "," + file + "\n";
  };
  std::printf("Fig. 10: abstraction and pencil drawing on %zu test images (ours = %s)\n",
              images.size(), bases.model_path().c_str());
  for (const TestImage& im : images) {
    cell(im.name, "input", im.pixels);
    const Mask b = structure_edges(edge_response(im.pixels));
    Image<float> bimg = make_image<float>(height(b), width(b));
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t k = 0; k < b.size(); ++k) bimg.data()[c * b.size() + k] = b.data()[k] ? 0.f : 255.f;
    cell(im.name, "edges", bimg);
    for (const std::string& m : methods) {
      const Image<float> base = *bases.base(im, m, progress);
      cell(im.name, "abstraction_" + m, apps::abstraction(base));
      cell(im.name, "pencil_" + m, apps::pencil(base));
    }
  }
  write_text(dir / "cells.csv", cells);
  plot(o, "fig10", dir);
  std::printf("fig10: %d base layers cached, %d computed; written to %s\n", bases.hits(),
              bases.misses(), dir.string().c_str());
  return 0;
}

}  // namespace ismooth::experiments
