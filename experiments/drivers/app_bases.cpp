// Base layers of the application drivers (app_bases.hpp).
#include "drivers/app_bases.hpp"

#include <chrono>
#include <cmath>

#include "cli/interrupt.hpp"
#include "drivers/opencv_helper.hpp"
#include "ismooth/filters/l0_smooth.hpp"
#include "ismooth/filters/wls.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/default_model.hpp"

namespace ismooth::experiments {

namespace {
Image<float> round_to_8_bits(Image<float> image) {
  for (float& v : image) v = std::round(std::clamp(v, 0.f, 255.f));
  return image;
}
}  // namespace

AppBases::AppBases(const DriverOptions& o)
    : cache_(o.out, "app_bases"), helper_(find_opencv_helper()) {}

AppBases::AppBases(const DriverOptions& o, const std::string& model) : AppBases(o) {
  add_model("ours", model);
}

void AppBases::add_model(const std::string& method, const std::string& model) {
  const std::string path = network::resolve_model(model).string();
  models_[method] = Network{path, hash_text(read_text(path)), nullptr};
}

std::optional<Image<float>> AppBases::base(const TestImage& image, const std::string& method,
                                           Progress& progress) {
  if (is_opencv_filter(method) && helper_.empty()) return std::nullopt;
  if (cli::interrupted()) throw cli::Interrupted{};
  const auto network = models_.find(method);
  Settings s;
  s.add("image", image.name).add("crc", double(image.crc)).add("method", method).add("version", 1);
  if (network != models_.end()) s.add("model", network->second.hash);
  const fs::path p = cache_.path(method + "-" + image.name, s, ".png");
  if (cache_.lookup(p)) {
    progress.item(method + " " + image.name, true);
    return load_image(p);
  }
  const auto t0 = std::chrono::steady_clock::now();
  Image<float> out;
  if (network != models_.end()) {
    Network& n = network->second;
    if (!n.smoother) n.smoother = std::make_unique<Smoother>(SmoothOptions{.model = n.path});
    out = (*n.smoother)(image.pixels);
  } else if (method == "wls") {
    out = filters::wls_smooth(image.pixels);
  } else if (method == "l0") {
    out = filters::l0_smooth(image.pixels);
  } else {
    require(is_opencv_filter(method), "unknown base method ", method);
    out = run_opencv_helper(helper_, method, image.pixels, p);
  }
  out = round_to_8_bits(out);
  save_image(out, p);
  cache_.computed();
  progress.item(method + " " + image.name, false,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return out;
}

}  // namespace ismooth::experiments
