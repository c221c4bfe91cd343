// libFuzzer target: image decoding from memory (decode_image, image_io.hpp)
// and, for small images, the edge response E and the structure-edge map B
// computed from the result, the path every command takes from a file to the
// energy. See docs/fuzzing.md.
//
// ismooth::Error is the documented refusal and is ignored. Anything else is a
// finding: another exception, a sanitizer report, a crash, or a broken
// contract checked here (shape, 8-bit values, E's range, B's values, the same
// pixels when decoded twice), reported through abort() with a message.
//
// A PNG input is decoded as it is and, if any chunk's CRC is wrong, again
// with every CRC recomputed: libpng refuses a critical chunk with a bad CRC,
// so without the second pass nearly every mutation of a PNG would stop at
// the first checksum and never reach the chunk parsers behind it.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ismooth/edge_response.hpp"
#include "ismooth/error.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/structure_edges.hpp"

namespace {

// E and B cost O(pixels · 21²); beyond this the fuzzer would spend its time
// there instead of in the decoder, whose paths are what the inputs explore.
constexpr std::size_t kMaxFilteredPixels = 64 * 64;

// E_i = 1/6 · Σ over 12 neighbours of |S_i − S_j|, with S in [0, 765].
constexpr float kMaxEdgeResponse = 12.0f * 765.0f / 6.0f;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "fuzz_image: contract broken: %s\n", what);
  std::abort();
}

void check_pixels(const ismooth::Image<float>& image) {
  if (image.dimension() != 3 || image.shape()[0] != ismooth::kChannels)
    broken("decoded image is not (3, H, W)");
  const std::size_t h = ismooth::height(image), w = ismooth::width(image);
  if (h == 0 || w == 0 || h * w > ismooth::kMaxImagePixels)
    broken("decoded size outside 1..kMaxImagePixels");
  for (float v : image)
    if (!(v >= 0.0f && v <= 255.0f) || v != std::floor(v))
      broken("decoded value is not an 8-bit level 0..255");
}

void check_edges(const ismooth::Image<float>& image) {
  const ismooth::Plane<float> e = ismooth::edge_response(image);
  if (e.shape()[0] != ismooth::height(image) || e.shape()[1] != ismooth::width(image))
    broken("E has the wrong shape");
  for (float v : e)
    if (!(v >= 0.0f && v <= kMaxEdgeResponse)) broken("E outside [0, 1530]");
  const ismooth::Mask b = ismooth::structure_edges(e);
  if (b.shape() != e.shape()) broken("B has the wrong shape");
  for (std::uint8_t v : b)
    if (v > 1) broken("B is not 0/1");
}

std::uint32_t big_endian(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

/// The PNG with every complete chunk's CRC recomputed, or empty when the
/// input is no PNG or all its CRCs are right already.
std::vector<std::uint8_t> with_png_crcs_fixed(const std::uint8_t* data, std::size_t size) {
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size < 8 || !std::equal(kSignature, kSignature + 8, data)) return {};
  std::vector<std::uint8_t> png(data, data + size);
  bool changed = false;
  for (std::size_t at = 8; size - at >= 12;) {
    const std::size_t length = big_endian(&png[at]);
    if (length > size - at - 12) break;  // a truncated chunk stays truncated
    const std::uint32_t crc = std::uint32_t(::crc32(0, &png[at + 4], unsigned(length + 4)));
    std::uint8_t* stored = &png[at + 8 + length];
    if (big_endian(stored) != crc) {
      for (int i = 0; i < 4; ++i) stored[i] = std::uint8_t(crc >> (24 - 8 * i));
      changed = true;
    }
    at += 12 + length;
  }
  return changed ? png : std::vector<std::uint8_t>{};
}

void decode_and_check(const std::uint8_t* data, std::size_t size) {
  ismooth::Image<float> image;
  try {
    image = ismooth::decode_image(data, size, "fuzz input");
  } catch (const ismooth::Error&) {
    return;
  }
  check_pixels(image);
  if (ismooth::height(image) * ismooth::width(image) > kMaxFilteredPixels) return;
  // A decoder reading uninitialised state (stb's progressive JPEG did) tends
  // to give different pixels on a second decode; cheap for small images.
  if (ismooth::decode_image(data, size, "fuzz input") != image)
    broken("decoding the same bytes twice gave different pixels");
  check_edges(image);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  decode_and_check(data, size);
  const std::vector<std::uint8_t> fixed = with_png_crcs_fixed(data, size);
  if (!fixed.empty()) decode_and_check(fixed.data(), fixed.size());
  return 0;
}
