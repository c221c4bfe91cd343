// The training photos and the crop of every step (training_data.hpp).
#include "ismooth/network/training_data.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>

#include "ismooth/error.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/model_file.hpp"

#include <xtensor/xview.hpp>

namespace ismooth::network {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t mix_seed(std::initializer_list<std::uint64_t> parts) {
  std::uint64_t state = 0x243F6A8885A308D3ull;  // π's digits: any fixed start
  for (std::uint64_t p : parts) {
    state ^= p;
    state = splitmix64(state);
  }
  return state;
}

std::uint64_t uniform_below(std::uint64_t& state, std::uint64_t n) {
  require(n >= 1, "uniform_below: n must be >= 1");
  const unsigned __int128 product = static_cast<unsigned __int128>(splitmix64(state)) * n;
  return static_cast<std::uint64_t>(product >> 64);
}

namespace {

/// For each output index along one axis: the input indices it covers and
/// their weights (summing to 1).
struct AxisWeights {
  std::vector<std::size_t> first;  ///< per output: index into taps
  std::vector<std::size_t> count;
  std::vector<std::size_t> source;
  std::vector<double> weight;
};

AxisWeights area_weights(std::size_t in, std::size_t out) {
  AxisWeights a;
  const double scale = double(in) / double(out);
  for (std::size_t o = 0; o < out; ++o) {
    const double lo = double(o) * scale, hi = double(o + 1) * scale;
    a.first.push_back(a.source.size());
    const auto start = static_cast<std::size_t>(std::floor(lo));
    const auto stop = std::min(in, static_cast<std::size_t>(std::ceil(hi)));
    for (std::size_t i = start; i < stop; ++i) {
      const double covered = std::min(hi, double(i + 1)) - std::max(lo, double(i));
      if (covered <= 0) continue;
      a.source.push_back(i);
      a.weight.push_back(covered / scale);
    }
    a.count.push_back(a.source.size() - a.first.back());
  }
  return a;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_image_file(const std::filesystem::path& p) {
  const std::string ext = lower(p.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

/// Downsamples to short side ≤ max_short_side and stores 8-bit planar.
ImageSet::Entry make_entry(const Image<float>& image, std::string name, int max_short_side) {
  ImageSet::Entry e;
  e.name = std::move(name);
  e.original_height = height(image);
  e.original_width = width(image);
  const std::size_t short_side = std::min(e.original_height, e.original_width);
  const Image<float>* source = &image;
  Image<float> resized;
  if (max_short_side > 0 && short_side > std::size_t(max_short_side)) {
    const double s = double(max_short_side) / double(short_side);
    const auto h =
        std::max<std::size_t>(1, std::size_t(std::lround(double(e.original_height) * s)));
    const auto w = std::max<std::size_t>(1, std::size_t(std::lround(double(e.original_width) * s)));
    resized = resize_area(image, h, w);
    source = &resized;
  }
  e.height = height(*source);
  e.width = width(*source);
  e.pixels.resize(source->size());
  for (std::size_t k = 0; k < source->size(); ++k)
    e.pixels[k] = detail::to_byte(double(source->data()[k]));
  return e;
}

}  // namespace

Image<float> resize_area(const Image<float>& image, std::size_t h, std::size_t w) {
  require(h >= 1 && w >= 1, "resize_area: target size ", w, "x", h, " is empty");
  const std::size_t ih = height(image), iw = width(image);
  const AxisWeights rows = area_weights(ih, h), cols = area_weights(iw, w);
  Image<float> out = make_image<float>(h, w);
  std::vector<double> line(iw);
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t y = 0; y < h; ++y) {
      std::fill(line.begin(), line.end(), 0.0);
      for (std::size_t t = rows.first[y]; t < rows.first[y] + rows.count[y]; ++t)
        for (std::size_t x = 0; x < iw; ++x)
          line[x] += rows.weight[t] * double(image(c, rows.source[t], x));
      for (std::size_t x = 0; x < w; ++x) {
        double v = 0;
        for (std::size_t t = cols.first[x]; t < cols.first[x] + cols.count[x]; ++t)
          v += cols.weight[t] * line[cols.source[t]];
        out(c, y, x) = float(v);
      }
    }
  return out;
}

ImageSet ImageSet::load(const std::filesystem::path& dir, int max_short_side,
                        std::vector<std::string>* skipped) {
  std::error_code ec;
  require(std::filesystem::is_directory(dir, ec), "image folder '", dir.string(),
          "' does not exist or is not a folder");
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::follow_directory_symlink, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && is_image_file(it->path())) files.push_back(it->path());
  }
  require(!ec, "cannot list image folder '", dir.string(), "': ", ec.message());
  std::vector<std::string> names(files.size());
  for (std::size_t i = 0; i < files.size(); ++i)
    names[i] = files[i].lexically_relative(dir).generic_string();
  std::vector<std::size_t> order(files.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return names[a] < names[b]; });

  std::vector<Entry> entries(files.size());
  std::vector<std::string> errors(files.size());
#pragma omp parallel for schedule(dynamic)
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    try {
      entries[k] = make_entry(load_image(files[i]), names[i], max_short_side);
    } catch (const std::exception& e) {
      errors[k] = e.what();
    }
  }
  ImageSet set;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (errors[k].empty()) {
      set.entries_.push_back(std::move(entries[k]));
    } else if (skipped != nullptr) {
      skipped->push_back(files[order[k]].string() + ": " + errors[k]);
    }
  }
  require(!set.empty(), "image folder '", dir.string(), "' holds no readable .jpg/.jpeg/.png (",
          files.size(), " candidate files)");
  return set;
}

ImageSet ImageSet::from_images(const std::vector<Image<float>>& images,
                               const std::vector<std::string>& names, int max_short_side) {
  require(images.size() == names.size(), "ImageSet::from_images: ", images.size(), " images but ",
          names.size(), " names");
  ImageSet set;
  for (std::size_t i = 0; i < images.size(); ++i) {
    check_image(images[i], "ImageSet::from_images: image " + names[i]);
    set.entries_.push_back(make_entry(images[i], names[i], max_short_side));
  }
  return set;
}

Image<float> ImageSet::crop(std::size_t i, std::size_t y0, std::size_t x0, std::size_t h,
                            std::size_t w, bool flip) const {
  require(i < entries_.size(), "ImageSet::crop: image ", i, " of ", entries_.size());
  const Entry& e = entries_[i];
  require(h >= 1 && w >= 1 && y0 + h <= e.height && x0 + w <= e.width, "ImageSet::crop: window ", w,
          "x", h, " at (", y0, ", ", x0, ") does not fit ", e.name, " (", e.width, "x", e.height,
          ")");
  const bool with_foreground = !e.foreground.empty();
  Image<float> out(typename Image<float>::shape_type{kChannels + (with_foreground ? 1 : 0), h, w});
  for (std::size_t c = 0; c < out.shape(0); ++c)
    for (std::size_t y = 0; y < h; ++y) {
      const std::uint8_t* row = c < kChannels
                                    ? e.pixels.data() + (c * e.height + y0 + y) * e.width + x0
                                    : e.foreground.data() + (y0 + y) * e.width + x0;
      for (std::size_t x = 0; x < w; ++x) out(c, y, flip ? w - 1 - x : x) = float(row[x]);
    }
  return out;
}

Image<float> ImageSet::image(std::size_t i) const {
  require(i < entries_.size(), "ImageSet::image: image ", i, " of ", entries_.size());
  Image<float> all = crop(i, 0, 0, entries_[i].height, entries_[i].width, false);
  if (all.shape(0) == kChannels) return all;
  return xt::view(all, xt::range(0, kChannels), xt::all(), xt::all());
}

void ImageSet::set_foreground(std::size_t i, const Mask& mask) {
  require(i < entries_.size(), "ImageSet::set_foreground: image ", i, " of ", entries_.size());
  Entry& e = entries_[i];
  require(height(mask) == e.height && width(mask) == e.width, "foreground mask of ", e.name, " is ",
          width(mask), "x", height(mask), ", the stored image ", e.width, "x", e.height);
  for (auto v : mask) require(v <= 1, "foreground mask of ", e.name, ": values must be 0 or 1");
  e.foreground.assign(mask.begin(), mask.end());
}

bool ImageSet::has_foreground() const {
  return !entries_.empty() && std::all_of(entries_.begin(), entries_.end(),
                                          [](const Entry& e) { return !e.foreground.empty(); });
}

std::uint32_t ImageSet::fingerprint() const {
  std::uint32_t crc = 0;
  for (const Entry& e : entries_) {
    const std::string line =
        e.name + "\t" + std::to_string(e.width) + "x" + std::to_string(e.height) + "\n";
    crc = crc32(line.data(), line.size(), crc);
    if (!e.foreground.empty()) crc = crc32(e.foreground.data(), e.foreground.size(), crc);
  }
  return crc;
}

std::size_t ImageSet::bytes() const {
  std::size_t n = 0;
  for (const Entry& e : entries_) n += e.pixels.size();
  return n;
}

std::vector<std::size_t> epoch_order(std::uint64_t seed, std::int64_t epoch, std::int64_t pass,
                                     std::size_t n) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::uint64_t state =
      mix_seed({seed, 0x6f72646572ull /* "order" */, std::uint64_t(epoch), std::uint64_t(pass)});
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[uniform_below(state, i)]);
  return order;
}

CropSample sample_step(const ImageSet& set, const SamplingOptions& o, std::int64_t step) {
  require(!set.empty(), "sample_step: no images");
  require(o.steps_per_epoch >= 1 && o.crop >= 1 && step >= 0, "sample_step: steps_per_epoch ",
          o.steps_per_epoch, ", crop ", o.crop, ", step ", step, " (need >= 1, >= 1, >= 0)");
  const std::int64_t epoch = step / o.steps_per_epoch, k = step % o.steps_per_epoch;
  const auto n = std::int64_t(set.size());
  CropSample s;
  s.step = step;
  s.image = epoch_order(o.seed, epoch, k / n, set.size())[std::size_t(k % n)];
  const ImageSet::Entry& e = set[s.image];
  s.height = std::min<std::size_t>(e.height, std::size_t(o.crop));
  s.width = std::min<std::size_t>(e.width, std::size_t(o.crop));
  std::uint64_t state = mix_seed({o.seed, 0x63726f70ull /* "crop" */, std::uint64_t(step)});
  s.y0 = std::size_t(uniform_below(state, e.height - s.height + 1));
  s.x0 = std::size_t(uniform_below(state, e.width - s.width + 1));
  s.flip = o.flip && (splitmix64(state) >> 63) != 0;
  return s;
}

}  // namespace ismooth::network
