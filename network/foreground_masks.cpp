// Foreground masks of the training photos (foreground_masks.hpp).
#include "ismooth/network/foreground_masks.hpp"

#include <cctype>
#include <string>
#include <vector>

#include "ismooth/apps/saliency.hpp"
#include "ismooth/error.hpp"
#include "ismooth/image_io.hpp"

namespace ismooth::network {

namespace {

/// The mask `original` (the photo's size) at the stored size h × w: the area
/// filter of the photo's own downsampling, then > ½.
Mask to_stored_size(const Mask& original, std::size_t h, std::size_t w) {
  if (height(original) == h && width(original) == w) return original;
  Image<float> planes = make_image<float>(height(original), width(original));
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t k = 0; k < original.size(); ++k)
      planes.data()[c * original.size() + k] = float(original.data()[k]);
  const Image<float> small = resize_area(planes, h, w);
  Mask out(typename Mask::shape_type{h, w});
  for (std::size_t k = 0; k < out.size(); ++k) out.data()[k] = small.data()[k] > 0.5f ? 1 : 0;
  return out;
}

/// The mask file of photo `name` (relative, '/'-separated) in `dir`: same
/// folder and stem, extension .png, .jpg or .jpeg in any case (the first in
/// that order). Empty if none.
std::filesystem::path mask_file(const std::filesystem::path& dir, const std::string& name) {
  const std::filesystem::path relative(name);
  const std::filesystem::path folder = dir / relative.parent_path();
  const std::string stem = relative.stem().string();
  std::error_code ec;
  for (const char* ext : {".png", ".jpg", ".jpeg"}) {
    std::filesystem::path exact = folder / (stem + ext);
    if (std::filesystem::is_regular_file(exact, ec)) return exact;
  }
  // Other cases of the extension (A.PNG, b.JPG).
  std::filesystem::path found;
  for (auto it = std::filesystem::directory_iterator(folder, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::filesystem::path p = it->path();
    std::string ext = p.extension().string();
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (p.stem().string() == stem && (ext == ".png" || ext == ".jpg" || ext == ".jpeg") &&
        it->is_regular_file(ec) && (found.empty() || p < found))
      found = p;
  }
  return found;
}

}  // namespace

void load_foreground_masks(ImageSet& set, const std::filesystem::path& dir) {
  std::error_code ec;
  require(std::filesystem::is_directory(dir, ec), "mask folder '", dir.string(),
          "' does not exist or is not a folder");
  std::vector<Mask> masks(set.size());
  for (std::size_t i = 0; i < set.size(); ++i) {
    const ImageSet::Entry& e = set[i];
    const std::filesystem::path file = mask_file(dir, e.name);
    require(!file.empty(), "no mask for photo '", e.name, "' in '", dir.string(), "' (expected ",
            (dir / std::filesystem::path(e.name).replace_extension(".png")).string(),
            ", or .jpg/.jpeg with the same stem)");
    const Mask m = load_mask(file);
    require(height(m) == e.original_height && width(m) == e.original_width, "mask '",
            file.string(), "' is ", width(m), "x", height(m), " but photo '", e.name, "' is ",
            e.original_width, "x", e.original_height);
    masks[i] = to_stored_size(m, e.height, e.width);
  }
  for (std::size_t i = 0; i < set.size(); ++i) set.set_foreground(i, masks[i]);
}

DetectedMasks detect_foreground_masks(ImageSet& set, const std::filesystem::path& cache,
                                      double threshold) {
  require(std::isfinite(threshold), "detect_foreground_masks: the threshold must be a number");
  DetectedMasks report;
  std::vector<Mask> masks(set.size());
  for (std::size_t i = 0; i < set.size(); ++i) {
    const ImageSet::Entry& e = set[i];
    const std::filesystem::path file =
        cache / std::filesystem::path(e.name).replace_extension(".png");
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) {
      Mask m = load_mask(file);
      if (height(m) == e.height && width(m) == e.width) {
        masks[i] = std::move(m);
        ++report.cached;
        continue;
      }
    }
    masks[i] = salient_object_mask(set.image(i), threshold);
    std::filesystem::create_directories(file.parent_path(), ec);
    require(!ec, "cannot create the mask cache folder '", file.parent_path().string(),
            "': ", ec.message());
    save_mask(masks[i], file);
    ++report.detected;
  }
  for (std::size_t i = 0; i < set.size(); ++i) set.set_foreground(i, masks[i]);
  return report;
}

}  // namespace ismooth::network
