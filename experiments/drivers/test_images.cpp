// The photos of the drivers (test_images.hpp).
#include "drivers/test_images.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "ismooth/error.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/model_file.hpp"

namespace ismooth::experiments {

namespace {

const char* const kSampleDir = "/usr/lib/python3/dist-packages/skimage/data";

/// A deterministic picture (flat square on a ramp, edges, mild noise) where
/// the scikit-image samples are not installed.
Image<float> synthetic_image(std::size_t h, std::size_t w, std::uint64_t seed) {
  Image<float> im = make_image<float>(h, w);
  std::uint64_t state = seed * 7919 + 17;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const bool in = y > h / 4 && y < 3 * h / 4 && x > w / 4 && x < 3 * w / 4;
      for (std::size_t c = 0; c < 3; ++c) {
        const double noise = double(network::uniform_below(state, 9)) - 4;
        const double v = in ? 200.0 - 40.0 * c : 30.0 + 150.0 * x / w + 20.0 * c;
        im(c, y, x) = float(std::clamp(v + noise, 0.0, 255.0));
      }
    }
  return im;
}

Image<float> fit_long_side(const Image<float>& image, int max_side) {
  const std::size_t h = height(image), w = width(image), longest = std::max(h, w);
  if (max_side <= 0 || longest <= std::size_t(max_side)) return image;
  const double s = double(max_side) / double(longest);
  return network::resize_area(image, std::max<std::size_t>(1, std::size_t(std::lround(h * s))),
                              std::max<std::size_t>(1, std::size_t(std::lround(w * s))));
}

std::vector<Image<float>> samples(const std::vector<std::string>& names, int side,
                                  std::vector<std::string>* used) {
  std::vector<Image<float>> out;
  for (std::size_t k = 0; k < names.size(); ++k) {
    const fs::path p = fs::path(kSampleDir) / names[k];
    if (fs::exists(p)) {
      out.push_back(fit_long_side(load_image(p), side));
      used->push_back(p.stem().string());
    } else {
      out.push_back(synthetic_image(std::size_t(side * 3 / 4), std::size_t(side), k + 1));
      used->push_back("synthetic" + std::to_string(k + 1));
    }
  }
  return out;
}

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

}  // namespace

std::uint32_t image_crc(const Image<float>& image) {
  return network::crc32(image.data(), image.size() * sizeof(float));
}

std::vector<TestImage> load_test_images(const DriverOptions& o, int default_max_side,
                                        int default_quick_count) {
  const int side = o.max_side > 0 ? o.max_side : default_max_side;
  std::vector<TestImage> out;
  if (o.images.empty()) {
    require(o.quick,
            "no test photos given: pass --images DIR (e.g. the test split fetched by "
            "experiments/scripts/fetch_photos.sh DEST --split test), or --quick");
    const std::vector<std::string> all = {"astronaut.png", "chelsea.png", "coffee.png"};
    const int n = std::min<int>(int(all.size()), o.count > 0 ? o.count : default_quick_count);
    std::vector<std::string> names;
    auto images = samples({all.begin(), all.begin() + n}, side, &names);
    for (std::size_t k = 0; k < images.size(); ++k)
      out.push_back({names[k], std::move(images[k]), 0});
  } else {
    require(fs::is_directory(o.images), "--images ", o.images, ": not a folder");
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(o.images))
      if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    require(!files.empty(), "--images ", o.images, ": no .png/.jpg photos");
    if (o.count > 0 && std::size_t(o.count) < files.size()) files.resize(std::size_t(o.count));
    for (const auto& f : files) {
      std::string name = fs::relative(f, o.images).replace_extension().string();
      std::replace(name.begin(), name.end(), '/', '_');
      out.push_back({name, fit_long_side(load_image(f), side), 0});
    }
  }
  for (auto& t : out) t.crc = image_crc(t.pixels);
  return out;
}

TestImage load_photo(const fs::path& path, int max_side) {
  TestImage t{path.stem().string(), fit_long_side(load_image(path), max_side), 0};
  t.crc = image_crc(t.pixels);
  return t;
}

network::ImageSet load_training_images(const DriverOptions& o, int quick_side) {
  if (o.train_images.empty()) {
    require(o.quick,
            "no training photos given: pass --train-images DIR (e.g. the train split "
            "fetched by experiments/scripts/fetch_photos.sh), or --quick");
    std::vector<std::string> names;
    const auto images =
        samples({"rocket.jpg", "motorcycle_left.png", "retina.jpg"}, quick_side, &names);
    return network::ImageSet::from_images(images, names, quick_side);
  }
  std::vector<std::string> skipped;
  const int side = o.train_max_side > 0 ? o.train_max_side : kFullTrainShortSide;
  auto set = network::ImageSet::load(o.train_images, side, &skipped);
  for (const auto& s : skipped) std::fprintf(stderr, "ismooth: skipped %s\n", s.c_str());
  return set;
}

std::string size_text(const Image<float>& image) {
  return std::to_string(width(image)) + "x" + std::to_string(height(image));
}

}  // namespace ismooth::experiments
