#pragma once
// Internal: PNG decoding and encoding through libpng. Include
// "ismooth/image_io.hpp" instead; it owns the contract (formats, limits,
// messages) and calls these in phases.
//
// Why it looks like this: libpng reports errors by longjmp to the setjmp in
// the function that called it. A longjmp skips destructors, so setjmp sits
// only in the small functions marked "longjmp-safe" below: they take and hold
// plain data (PngCodec), no C++ object with a destructor is alive in them,
// nothing they call throws, and after a longjmp they only return false. Every
// allocation we own (the pixel buffer, the encoded bytes) is made by the C++
// caller between phases, so its failure is an ordinary exception, and the
// caller destroys the libpng structs whatever happened (PngCodecCleanup).

#include <png.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

namespace ismooth::detail {

/// libpng's state for one image, read or written. Plain data only (see above).
struct PngCodec {
  png_structp png = nullptr;
  png_infop info = nullptr;
  bool writing = false;
  // Reading: the whole file in memory, and where libpng has got to.
  const unsigned char* data = nullptr;
  std::size_t size = 0, pos = 0;
  bool truncated = false;  // the file ended before libpng had what it needed
  std::uint32_t width = 0, height = 0;
  int passes = 1;  // 7 for an Adam7-interlaced file
  // Writing: the caller's buffer; appending to it may fail (out of memory).
  std::vector<unsigned char>* sink = nullptr;
  char message[256] = {};
};

/// Destroys libpng's structs when the caller's frame ends, however it ends.
struct PngCodecCleanup {
  PngCodec& codec;
  ~PngCodecCleanup() {
    if (codec.writing)
      png_destroy_write_struct(&codec.png, &codec.info);
    else
      png_destroy_read_struct(&codec.png, &codec.info, nullptr);
  }
};

inline void png_copy_message(PngCodec& codec, const char* text) {
  std::strncpy(codec.message, text ? text : "unknown error", sizeof codec.message - 1);
}

[[noreturn]] inline void png_on_error(png_structp png, png_const_charp text) {
  png_copy_message(*static_cast<PngCodec*>(png_get_error_ptr(png)), text);
  png_longjmp(png, 1);
}

/// Warnings concern ancillary chunks (text, colour profiles) that we do not
/// use; libpng has already skipped them.
inline void png_on_warning(png_structp, png_const_charp) {}

inline void png_read_memory(png_structp png, png_bytep out, std::size_t n) {
  auto& codec = *static_cast<PngCodec*>(png_get_io_ptr(png));
  if (codec.size - codec.pos < n) {
    codec.truncated = true;
    png_error(png, "the file ends early");
  }
  std::memcpy(out, codec.data + codec.pos, n);
  codec.pos += n;
}

inline void png_write_memory(png_structp png, png_bytep bytes, std::size_t n) {
  auto& codec = *static_cast<PngCodec*>(png_get_io_ptr(png));
  bool failed = false;
  try {  // no exception may cross libpng's C frames
    codec.sink->insert(codec.sink->end(), bytes, bytes + n);
  } catch (...) {
    failed = true;
  }
  if (failed) png_error(png, "out of memory for the encoded file");
}

inline void png_flush_memory(png_structp) {}

/// libpng's structs, with our handlers; false when out of memory (libpng
/// catches errors during creation itself).
inline bool png_create(PngCodec& codec, bool writing) noexcept {
  codec.writing = writing;
  codec.png =
      writing ? png_create_write_struct(PNG_LIBPNG_VER_STRING, &codec, png_on_error, png_on_warning)
              : png_create_read_struct(PNG_LIBPNG_VER_STRING, &codec, png_on_error, png_on_warning);
  if (codec.png) codec.info = png_create_info_struct(codec.png);
  if (codec.png && codec.info) return true;
  png_copy_message(codec, "out of memory");
  return false;
}

/// Longjmp-safe. Reads the chunks before the pixels and sets up libpng to
/// deliver 8-bit RGB whatever is stored: palette expanded, grey replicated,
/// alpha (and tRNS) dropped, 16 bits scaled to 8 with rounding. No
/// image-sized allocation: the caller checks the size before
/// png_decode_pixels. `max_side` and `max_chunk_bytes` bound what libpng
/// itself allocates (rows, text and profile chunks).
inline bool png_decode_header(PngCodec& codec, std::uint32_t max_side,
                              std::size_t max_chunk_bytes) noexcept {
  if (!png_create(codec, false)) return false;
  if (setjmp(png_jmpbuf(codec.png))) return false;
  png_set_read_fn(codec.png, &codec, png_read_memory);
  png_set_user_limits(codec.png, max_side, max_side);
  png_set_chunk_malloc_max(codec.png, max_chunk_bytes);
  png_set_chunk_cache_max(codec.png, 128);  // ancillary chunks kept, at most
  png_set_keep_unknown_chunks(codec.png, PNG_HANDLE_CHUNK_NEVER, nullptr, 0);
  png_read_info(codec.png, codec.info);

  codec.width = png_get_image_width(codec.png, codec.info);
  codec.height = png_get_image_height(codec.png, codec.info);
  const int type = png_get_color_type(codec.png, codec.info);
  const int depth = png_get_bit_depth(codec.png, codec.info);
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(codec.png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(codec.png);
  // libpng's accurate 16→8 path: round(v·255/65535) = ⌊(v + 128)/257⌋ for
  // every v (tests/test_image_io.cpp checks all 65536), where png_set_strip_16
  // would truncate (v >> 8).
  if (depth == 16) png_set_scale_16(codec.png);
  // Expanding a palette also turns its tRNS chunk into alpha.
  if ((type & PNG_COLOR_MASK_ALPHA) ||
      (type == PNG_COLOR_TYPE_PALETTE && png_get_valid(codec.png, codec.info, PNG_INFO_tRNS)))
    png_set_strip_alpha(codec.png);
  if (!(type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(codec.png);
  codec.passes = png_set_interlace_handling(codec.png);
  png_read_update_info(codec.png, codec.info);
  if (png_get_rowbytes(codec.png, codec.info) != std::size_t{codec.width} * 3)
    png_error(codec.png, "unexpected row layout after conversion to RGB");
  return true;
}

/// Longjmp-safe. Decodes all rows into `rgb` (height·width·3 bytes, made by
/// the caller), then reads on to IEND, so a file cut anywhere is an error.
inline bool png_decode_pixels(PngCodec& codec, std::uint8_t* rgb) noexcept {
  if (setjmp(png_jmpbuf(codec.png))) return false;
  const std::size_t stride = std::size_t{codec.width} * 3;
  for (int pass = 0; pass < codec.passes; ++pass)
    for (std::uint32_t y = 0; y < codec.height; ++y) {
      // Interlaced passes fill a row bit by bit; start from defined bytes.
      if (pass == 0) std::memset(rgb + y * stride, 0, stride);
      png_read_row(codec.png, rgb + y * stride, nullptr);
    }
  png_read_end(codec.png, nullptr);
  return true;
}

/// Longjmp-safe. Encodes interleaved 8-bit grey (1 channel) or RGB (3) into
/// `*codec.sink`, not interlaced, libpng's default filters and compression.
inline bool png_encode_image(PngCodec& codec, const std::uint8_t* pixels, std::uint32_t width,
                             std::uint32_t height, int channels) noexcept {
  if (!png_create(codec, true)) return false;
  if (setjmp(png_jmpbuf(codec.png))) return false;
  png_set_write_fn(codec.png, &codec, png_write_memory, png_flush_memory);
  png_set_IHDR(codec.png, codec.info, width, height, 8,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(codec.png, codec.info);
  const std::size_t stride = std::size_t{width} * static_cast<std::size_t>(channels);
  for (std::uint32_t y = 0; y < height; ++y) png_write_row(codec.png, pixels + y * stride);
  png_write_end(codec.png, nullptr);
  return true;
}

}  // namespace ismooth::detail
