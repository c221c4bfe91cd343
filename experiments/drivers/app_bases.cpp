// Base layers of the application drivers (app_bases.hpp).
#include "drivers/app_bases.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>

#include "cli/interrupt.hpp"
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

AppBases::AppBases(const DriverOptions& o, std::string model) : cache_(o.out, "app_bases") {
  model_path_ = network::resolve_model(model).string();
  model_hash_ = hash_text(read_text(model_path_));
  std::error_code ec;
  const fs::path helper =
      fs::read_symlink("/proc/self/exe", ec).parent_path() / "classic_filters_apply";
  if (!ec && fs::exists(helper)) helper_ = helper;
}

std::optional<Image<float>> AppBases::base(const TestImage& image, const std::string& method,
                                           Progress& progress) {
  if ((method == "bilateral" || method == "fgs") && helper_.empty()) return std::nullopt;
  if (cli::interrupted()) throw cli::Interrupted{};
  Settings s;
  s.add("image", image.name).add("crc", double(image.crc)).add("method", method).add("version", 1);
  if (method == "ours") s.add("model", model_hash_);
  const fs::path p = cache_.path(method + "-" + image.name, s, ".png");
  if (cache_.lookup(p)) {
    progress.item(method + " " + image.name, true);
    return load_image(p);
  }
  const auto t0 = std::chrono::steady_clock::now();
  Image<float> out;
  if (method == "ours") {
    if (!smoother_) smoother_ = std::make_unique<Smoother>(SmoothOptions{.model = model_path_});
    out = (*smoother_)(image.pixels);
  } else if (method == "wls") {
    out = filters::wls_smooth(image.pixels);
  } else if (method == "l0") {
    out = filters::l0_smooth(image.pixels);
  } else {
    require(method == "bilateral" || method == "fgs", "unknown base method ", method);
    const fs::path in = p.string() + ".input.png";
    save_image(image.pixels, in);
    const std::string cmd = "'" + helper_.string() + "' " + method + " '" + in.string() + "' '" +
                            p.string() + ".out.png'";
    const int rc = std::system(cmd.c_str());
    fs::remove(in);
    require(rc == 0, "classic_filters_apply ", method, " failed on ", image.name);
    out = load_image(p.string() + ".out.png");
    fs::remove(p.string() + ".out.png");
  }
  out = round_to_8_bits(out);
  save_image(out, p);
  cache_.computed();
  progress.item(method + " " + image.name, false,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return out;
}

}  // namespace ismooth::experiments
