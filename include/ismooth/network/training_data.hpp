#pragma once
/// \file
/// The photos a network trains on: a folder of images decoded once into
/// memory, and the crop every training step takes, derived from the seed and
/// the step number alone (no random-generator state to save), so a resumed
/// run sees exactly the crops the uninterrupted run would have seen.
///
/// Loading (ImageSet::load):
/// - every regular file under the folder, recursively, ending in .jpg, .jpeg
///   or .png (any case), in lexicographic order of the relative path; files
///   that do not decode are reported (path and reason) and skipped;
/// - each image is downsampled with an area (box) filter so its short side is
///   at most `max_short_side` pixels (default 512, about the scale of PASCAL
///   VOC, the paper's training set, whose photos are ≤ 500 px). Photos of
///   4000 px would otherwise make a 224 crop a tiny, nearly flat patch, and
///   holding 400 of them would take gigabytes. Smaller images are kept as is;
/// - pixels are stored as 8-bit planar RGB (rounded after the resize), a
///   quarter of the memory of floats: ≈ 0.45 GB for 400 photos at 512 × 700.
///
/// Crops (sample_step): step s (0-based, counted over the whole run) belongs
/// to epoch e = s / steps_per_epoch; within an epoch the images are visited in
/// a shuffled order (a Fisher–Yates permutation seeded by (seed, e, pass),
/// passes repeating when steps_per_epoch exceeds the image count). The crop is
/// S × S at a uniformly drawn position; a side shorter than S is used whole
/// (no upscaling: it would invent smooth content the energy would reward).
/// With probability ½ the crop is mirrored left–right. All draws use
/// SplitMix64 with integer arithmetic only, so they are the same with every
/// compiler and standard library.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ismooth/image.hpp"

namespace ismooth::network {

/// SplitMix64 (Steele, Lea & Flood 2014): the next value of the stream `state`.
std::uint64_t splitmix64(std::uint64_t& state);

/// A stream state derived from several integers (seed, a purpose tag, epoch,
/// step, ...), each mixed through SplitMix64.
std::uint64_t mix_seed(std::initializer_list<std::uint64_t> parts);

/// Uniform integer in [0, n) from the stream (n ≥ 1; multiply-shift, bias
/// below 2^-40 for the sizes used here).
std::uint64_t uniform_below(std::uint64_t& state, std::uint64_t n);

/// Downsamples (or copies) `image` to h × w with an area filter: each output
/// pixel is the mean of the input area it covers (fractional pixels weighted).
/// Meant for shrinking; h, w ≥ 1.
Image<float> resize_area(const Image<float>& image, std::size_t h, std::size_t w);

/// Images of a folder, decoded and stored as 8-bit planar RGB.
class ImageSet {
 public:
  struct Entry {
    std::string name;  ///< path relative to the folder, '/'-separated
    std::size_t height = 0, width = 0;
    std::size_t original_height = 0, original_width = 0;
    std::vector<std::uint8_t> pixels;  ///< (3, height, width), row-major
    /// Foreground mask F (height, width) of 0/1 for the background and
    /// foreground presets (foreground_masks.hpp), or empty.
    std::vector<std::uint8_t> foreground;
  };

  ImageSet() = default;

  /// Loads the folder (rules in \file). Unreadable files are skipped and
  /// described in `*skipped` ("path: reason") if given. Throws ismooth::Error
  /// if `dir` is not a folder or holds no readable image. Decodes on the
  /// OpenMP threads.
  static ImageSet load(const std::filesystem::path& dir, int max_short_side,
                       std::vector<std::string>* skipped = nullptr);

  /// A set from images in memory (tests, a single image); names as given.
  static ImageSet from_images(const std::vector<Image<float>>& images,
                              const std::vector<std::string>& names, int max_short_side);

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const Entry& operator[](std::size_t i) const { return entries_[i]; }

  /// The h × w window at (y0, x0) of image i as a (3, h, w) float image on
  /// 0–255, mirrored left–right if `flip` (of the window, after cutting it).
  /// When the set has foreground masks (has_foreground()) the crop is
  /// (4, h, w): planes 0–2 the RGB window, plane 3 the same window of F
  /// (0/1) — how a training loss that needs F (make_paper_loss of the
  /// background and foreground presets) receives it with its crop.
  Image<float> crop(std::size_t i, std::size_t y0, std::size_t x0, std::size_t h, std::size_t w,
                    bool flip = false) const;
  /// Image i whole, RGB (3, H, W) only.
  Image<float> image(std::size_t i) const;

  /// Gives image i its foreground mask F: (height, width) of the stored
  /// image, values 0/1. Throws ismooth::Error otherwise.
  void set_foreground(std::size_t i, const Mask& mask);
  /// Whether every image has a foreground mask (and the set is not empty).
  bool has_foreground() const;

  /// CRC-32 of every name and stored size, and of the foreground masks when
  /// present: changes if the folder's content list, the load scale or the
  /// masks change (checkpoints compare it on resume).
  std::uint32_t fingerprint() const;

  /// Bytes of pixels held.
  std::size_t bytes() const;

 private:
  std::vector<Entry> entries_;
};

/// The crop of one training step.
struct CropSample {
  std::int64_t step = 0;
  std::size_t image = 0;  ///< index into the ImageSet
  std::size_t y0 = 0, x0 = 0, height = 0, width = 0;
  bool flip = false;
};

/// How steps are drawn (rules in \file).
struct SamplingOptions {
  std::uint64_t seed = 0;
  std::int64_t steps_per_epoch = 1;  ///< ≥ 1
  int crop = 224;                    ///< S, ≥ 1
  bool flip = true;                  ///< random left–right mirroring
};

/// The crop of step `step` (0-based over the run); a function of its
/// arguments only.
CropSample sample_step(const ImageSet& set, const SamplingOptions& options, std::int64_t step);

/// The permutation of 0..n−1 used for `epoch`'s pass `pass`.
std::vector<std::size_t> epoch_order(std::uint64_t seed, std::int64_t epoch, std::int64_t pass,
                                     std::size_t n);

}  // namespace ismooth::network
