#pragma once
// The photos of the drivers: the test images (--images, or scikit-image's
// samples with --quick), training photos, and their checksums for cache keys.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "drivers/driver_options.hpp"
#include "ismooth/image.hpp"
#include "ismooth/network/training_data.hpp"

namespace ismooth::experiments {

/// One test image.
struct TestImage {
  std::string name;  ///< file stem (or the sample's name)
  Image<float> pixels;
  std::uint32_t crc = 0;  ///< of the pixels: part of every cache key
};

/// The test images of the run: --images (downscaled to max_side, first
/// --count), or in quick mode scikit-image's astronaut, chelsea, coffee
/// (synthetic pictures where python3-skimage is absent) at `max_side`.
std::vector<TestImage> load_test_images(const DriverOptions& o, int default_max_side,
                                        int default_quick_count = 2);
/// One photo file, downscaled so its long side is at most max_side.
TestImage load_photo(const fs::path& path, int max_side);
/// Training photos: --train-images, or in quick mode other skimage samples.
network::ImageSet load_training_images(const DriverOptions& o, int quick_side);
std::uint32_t image_crc(const Image<float>& image);

/// "W x H" text of an image's size, e.g. "48x36".
std::string size_text(const Image<float>& image);

}  // namespace ismooth::experiments
