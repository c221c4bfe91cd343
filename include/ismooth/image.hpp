#pragma once
/// \file
/// The image type of ismooth: one alias, used everywhere.
///
/// Layout: **planar, channels first**, shape `(channels, height, width)`,
/// row-major, so each colour channel is one contiguous `height·width` block.
/// We chose it once because every consumer wants planes: the flattening kernel
/// vectorises along rows of one channel, IRLS solves one sparse system per
/// channel on a contiguous vector, and oneDNN/cuDNN/PyTorch use NCHW. Files
/// (stb, interleaved RGB) are converted at the I/O boundary only.
///
/// Scale: the energy works on **0–255 intensities** (docs/spec/energy.md: c1, c2 and all
/// loss magnitudes assume it). Colour *weights* use YUV of RGB/255 (colour.hpp).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <xsimd/memory/xsimd_aligned_allocator.hpp>
#include <xtensor/xtensor.hpp>

#include "ismooth/error.hpp"

namespace ismooth {

/// Alignment in bytes of every image buffer, whatever the compiler flags.
///
/// xtensor's default allocator (with XTENSOR_USE_XSIMD) aligns to the widest
/// vector of the flags a file is compiled with: 16 bytes by default, 32 with
/// -mavx2, 64 with -march=native on AVX-512. The allocator is part of the
/// image's type, so it is part of the mangled name of every compiled function
/// taking an image (ismooth::network): a program compiled with other flags
/// than the library would not link. We pin it: 32 is the vector width of our
/// AVX2 build, where xtensor then uses aligned loads; builds with other flags
/// use unaligned loads on the same (aligned) memory. Eigen's alignment is
/// pinned alike (EIGEN_MAX_ALIGN_BYTES=32 on ismooth::core).
inline constexpr std::size_t kImageAlignment = 32;

/// The allocator of all image types.
template <class Scalar>
using ImageAllocator = xsimd::aligned_allocator<Scalar, kImageAlignment>;

/// An RGB image, shape (3, H, W), values on the 0–255 scale.
template <class Scalar>
using Image = xt::xtensor<Scalar, 3, xt::layout_type::row_major, ImageAllocator<Scalar>>;

/// A single-channel map, shape (H, W): edge responses, guidance E(I).
template <class Scalar>
using Plane = xt::xtensor<Scalar, 2, xt::layout_type::row_major, ImageAllocator<Scalar>>;

/// A binary map, shape (H, W), values 0 or 1: edge map B, L2 mask M, masks F.
using Mask = xt::xtensor<std::uint8_t, 2, xt::layout_type::row_major, ImageAllocator<std::uint8_t>>;

inline constexpr std::size_t kChannels = 3;

template <class E>
std::size_t height(const E& e) {
  return e.shape()[e.dimension() - 2];
}
template <class E>
std::size_t width(const E& e) {
  return e.shape()[e.dimension() - 1];
}

/// Allocates an RGB image of the given size filled with `value`.
template <class Scalar>
Image<Scalar> make_image(std::size_t h, std::size_t w, Scalar value = Scalar(0)) {
  Image<Scalar> image(typename Image<Scalar>::shape_type{kChannels, h, w});
  image.fill(value);
  return image;
}

/// Converts between scalar types (e.g. the float image read from disk to the
/// double image a test differentiates).
template <class To, class From>
Image<To> image_cast(const Image<From>& from) {
  Image<To> to(from.shape());
  std::copy(from.begin(), from.end(), to.begin());
  return to;
}

/// Throws unless `image` has shape (3, H, W) with H, W ≥ 1 and finite values.
/// `what` names the caller's argument in the message.
template <class Scalar>
void check_image(const Image<Scalar>& image, std::string_view what) {
  require(image.shape()[0] == kChannels, what, ": expected 3 colour channels, got ",
          image.shape()[0]);
  require(height(image) > 0 && width(image) > 0, what, ": image is empty (", height(image), "x",
          width(image), ")");
  for (std::size_t k = 0; k < image.size(); ++k) {
    if (!std::isfinite(image.data()[k])) {
      const std::size_t plane = height(image) * width(image);
      fail(what, ": value ", image.data()[k], " at channel ", k / plane, ", row ",
           (k % plane) / width(image), ", column ", k % width(image), " is not finite");
    }
  }
}

/// Throws unless `a` and `b` have the same height and width.
template <class A, class B>
void check_same_size(const A& a, std::string_view what_a, const B& b, std::string_view what_b) {
  require(height(a) == height(b) && width(a) == width(b), "size mismatch: ", what_a, " is ",
          width(a), "x", height(a), " but ", what_b, " is ", width(b), "x", height(b));
}

}  // namespace ismooth
