#pragma once
/// \file
/// Foreground masks F for training on the background and foreground presets
/// (docs/spec/energy.md §6: guidance and B multiplied by F or 1 − F), one per
/// training photo, held by the ImageSet (ImageSet::set_foreground) so every
/// crop carries the same window of F (training_data.hpp).
///
/// Two sources:
/// - a folder of the user's masks: photo `sub/a.jpg` of the image folder
///   takes `sub/a.png` (or .jpg / .jpeg, any case; the same stem) of the mask
///   folder; white (> 127) = foreground. It must have the photo's original
///   size and is downsampled with it (area filter, then > ½);
/// - the built-in detector (apps/saliency.hpp, threshold ½ as the authors),
///   run on the stored (downsampled) photo. Each mask is computed once and
///   cached as a PNG in a folder beside the run (`<name without
///   extension>.png`); a cached mask is reused when its size is the stored
///   photo's, so a resumed or repeated run detects nothing again. The
///   detector is deterministic: the cache saves time, never changes results.

#include <cstddef>
#include <filesystem>

#include "ismooth/network/training_data.hpp"

namespace ismooth::network {

/// Gives every image of `set` its mask from `dir` (rules in \file). Throws
/// ismooth::Error naming the photo when a mask is missing, unreadable or of
/// another size; `set` is then unchanged.
void load_foreground_masks(ImageSet& set, const std::filesystem::path& dir);

/// What detect_foreground_masks did.
struct DetectedMasks {
  std::size_t detected = 0;  ///< computed now (and written to the cache)
  std::size_t cached = 0;    ///< read from the cache
};

/// Gives every image of `set` the built-in detector's mask (threshold
/// `threshold`), through the cache folder `cache` (created if missing;
/// rules in \file).
DetectedMasks detect_foreground_masks(ImageSet& set, const std::filesystem::path& cache,
                                      double threshold = 0.5);

}  // namespace ismooth::network
