#pragma once
/// \file
/// Image, mask and plane files: the only place pixels cross between disk (or
/// memory) and the planar 0–255 `Image` (image.hpp). Decoding uses libpng and
/// libjpeg(-turbo) from the system, which are maintained and continuously
/// fuzzed; images are untrusted input (a user's photos, a web upload). The
/// libraries' longjmp error handling stays inside detail/png_codec.hpp and
/// detail/jpeg_codec.hpp; nothing here sees it.
///
/// Contract, relied on by the tool, the tests and the fuzz target:
/// - **Reading** accepts PNG and JPEG, recognised by content, not by name (a
///   PNG called x.jpg loads). PNG: 1–16 bits, grey, grey+alpha, palette, RGB,
///   RGBA, interlaced or not; JPEG: baseline or progressive, Huffman or
///   arithmetic coded, grey or colour (YCbCr/RGB). Everything else is
///   refused, naming the format where its first bytes tell it (BMP, GIF,
///   PNM, TGA, TIFF, WebP, HEIF/AVIF, PSD, HDR, JPEG 2000, …): stb_image,
///   which read those before, had reachable memory bugs in them, and
///   converting to PNG is one command away. CMYK JPEGs are refused too:
///   without the file's colour profile CMYK has no definite RGB, and a
///   guessed one would smooth the wrong colours.
/// - **Grey** is replicated into R, G and B. **Alpha** (and a PNG's tRNS) is
///   dropped: colours are kept as stored, not composited, because any
///   background colour would invent edges where the alpha changes. A PNG's
///   gamma and colour profile and a JPEG's EXIF orientation are ignored:
///   pixels are used as stored.
/// - **16-bit** PNG is rounded to 8 bits, round(v·255/65535) = ⌊(v + 128)/257⌋
///   (truncating, v >> 8, would darken pixels by up to one level).
/// - **Limits**, checked from the header before anything image-sized is
///   allocated: 1 to kMaxImageSide (65500) pixels a side and at most
///   kMaxImagePixels (2^28) in all; files up to kMaxImageFileBytes (2 GiB);
///   libjpeg may use at most kMaxJpegDecoderBytes (1 GiB: a progressive JPEG
///   keeps all its coefficients, 3–6 bytes a pixel) and 500 scans; libpng
///   keeps ancillary chunks up to 8 MiB. Our pixel buffer is not
///   zero-filled, so a tiny file claiming a large image costs address space,
///   not memory, before the data runs out; only a progressive JPEG's
///   coefficient buffer is real memory from the start (hence its limit).
/// - **Refused** with ismooth::Error, always naming the path (or the
///   source name given to decode_image) and a reason: missing, unreadable,
///   empty or directory paths; other formats; sizes outside the limits;
///   truncated files, cut anywhere (libjpeg's "Premature end of JPEG file"
///   and every other corrupt-data warning is an error, except an unknown
///   JFIF version); corrupt data; running out of memory (with the amount).
///   Data after a JPEG's end-of-image marker is never read, so phone "motion
///   photos" with a video appended still load.
/// - **Writing** clamps to [0, 255] and rounds to nearest, halves away from 0.
///   The extension picks the format, case-insensitively: .png (8-bit grey or
///   RGB), or .jpg/.jpeg (quality 95, no chroma subsampling); anything else is
///   an Error naming the extension. Also via libpng and libjpeg.
/// - **Writes are atomic**: encoded in memory (the format is passed to the
///   encoder, never taken from a file name), then written by
///   ismooth::write_atomically (atomic_file.hpp) through a temporary
///   `<name>.ismooth-tmp-<pid>-<n>` that no batch reads and that SIGINT/SIGTERM
///   remove: a failed or interrupted run never leaves half an image. (No
///   fsync: this guards against failures, not power loss.)

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "ismooth/atomic_file.hpp"
#include "ismooth/detail/image_signature.hpp"
#include "ismooth/detail/jpeg_codec.hpp"
#include "ismooth/detail/png_codec.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// Most pixels in an image read or written: 2^28 (a 3 GiB float image).
/// Beyond that a header is far more likely corrupt than a real input.
inline constexpr std::size_t kMaxImagePixels = std::size_t{1} << 28;
/// Longest side read or written, in pixels: libjpeg's JPEG_MAX_DIMENSION,
/// applied to PNG too, so every image we read can be written as either.
inline constexpr std::size_t kMaxImageSide = 65500;
/// Largest file read, in bytes (2 GiB): files are read whole into memory.
inline constexpr std::uintmax_t kMaxImageFileBytes = std::uintmax_t{1} << 31;
/// Most memory the JPEG decoder may use for one image (1 GiB). Only a
/// progressive JPEG needs much (all its coefficients, checked from the
/// header): that allows every one up to the pixel limit with 4:2:0 chroma
/// (3 bytes a pixel), 4:4:4 ones up to about 178 megapixels. Baseline JPEGs
/// need a few rows. Also given to libjpeg as max_memory_to_use.
inline constexpr long kMaxJpegDecoderBytes = 1L << 30;
inline constexpr int kJpegQuality = 95;

namespace detail {

/// Ancillary PNG chunks (text, ICC profile, EXIF) larger than this are
/// skipped; libpng allocates each one whole, so this bounds what it does.
inline constexpr std::size_t kMaxPngChunkBytes = std::size_t{8} << 20;

/// Decoded pixels: interleaved 8-bit RGB, height·width·3 bytes.
struct Decoded {
  std::size_t height = 0, width = 0;
  std::unique_ptr<std::uint8_t[]> rgb;
};

inline std::string read_prefix(const std::string& source) {
  return "cannot read image '" + source + "': ";
}

/// "768 MiB", "1.5 GiB": amounts in messages.
inline std::string byte_count(double bytes) {
  char text[32];
  if (bytes >= 1024.0 * 1024 * 1024)
    std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  else if (bytes >= 1024.0 * 1024)
    std::snprintf(text, sizeof text, "%.0f MiB", bytes / (1024.0 * 1024));
  else
    std::snprintf(text, sizeof text, "%.0f bytes", bytes);
  return text;
}

/// The limits in \file, from the header's width and height.
inline void check_image_size(std::uint64_t w, std::uint64_t h, const std::string& where) {
  require(w > 0 && h > 0, where, "image has zero size (", w, "x", h,
          "); an image needs at least 1x1 pixel");
  require(w <= kMaxImageSide && h <= kMaxImageSide, where, "image is ", w, "x", h,
          ", more than the limit of ", kMaxImageSide, " pixels on a side");
  require(w * h <= kMaxImagePixels, where, "image is ", w, "x", h, " = ", w * h,
          " pixels, more than the limit of 2^28 (", kMaxImagePixels, ") pixels");
}

/// The pixel buffer, not zero-filled: its pages cost memory only once the
/// decoder writes them, so a truncated file never makes us touch it all.
inline Decoded allocate_rgb(std::size_t h, std::size_t w, const std::string& where) {
  try {
    return {h, w, std::make_unique_for_overwrite<std::uint8_t[]>(h * w * 3)};
  } catch (const std::bad_alloc&) {
    fail(where, "out of memory: decoding a ", w, "x", h, " image needs ",
         byte_count(double(h) * double(w) * 3.0));
  }
}

inline std::vector<unsigned char> read_file(const std::filesystem::path& path,
                                            const std::string& where) {
  std::error_code ec;
  require(std::filesystem::exists(path, ec), where, "file does not exist");
  require(!std::filesystem::is_directory(path, ec), where, "it is a directory");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  require(ec || size <= kMaxImageFileBytes, where, "file is ", byte_count(double(size)),
          ", more than the limit of 2 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, "cannot open file (", std::strerror(errno), ")");
  std::vector<unsigned char> bytes;
  try {
    if (!ec) bytes.reserve(static_cast<std::size_t>(size));
    char chunk[1 << 16];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
      bytes.insert(bytes.end(), chunk, chunk + in.gcount());
      // Also for files that grow while read, or report no size (pipes).
      require(bytes.size() <= kMaxImageFileBytes, where, "file is larger than 2 GiB");
    }
  } catch (const std::bad_alloc&) {
    fail(where, "out of memory reading the file (", byte_count(double(size)), ")");
  }
  require(!in.bad(), where, "read error");
  require(!bytes.empty(), where, "file is empty");
  return bytes;
}

inline std::uint32_t big_endian32(const unsigned char* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

[[noreturn]] inline void fail_png(const PngCodec& codec, const std::string& where) {
  if (codec.truncated) fail(where, "truncated PNG (the file ends before the image does)");
  fail(where, "corrupt PNG (libpng: ", codec.message, ")");
}

/// Walks the chunks up to IEND and refuses one whose length runs past the end
/// of the file before libpng sees it: libpng 1.6.39 allocates and zeroes a
/// text or palette chunk's claimed length (up to 2^31 − 1 bytes) before
/// reading its data, so an 86-byte file could cost 2 GB (found by
/// fuzz_image; png_set_chunk_malloc_max does not bound those buffers). The
/// whole file is in memory, so such a chunk is a truncation anyway.
inline void check_png_chunks(const unsigned char* data, std::size_t size,
                             const std::string& where) {
  std::size_t at = 8;  // after the signature
  while (size - at >= 8) {
    const std::uint32_t length = big_endian32(data + at);
    require(length <= 0x7fffffffu, where, "corrupt PNG (chunk length ", length,
            " exceeds the format's 2^31 - 1)");
    const std::size_t left = size - at - 8;
    if (std::size_t{length} + 4 > left)
      fail(where, "truncated PNG (a chunk claims ", length, " bytes of data, the file has ",
           left < 4 ? 0 : left - 4, " left)");
    if (std::memcmp(data + at + 4, "IEND", 4) == 0) return;
    at += 12 + std::size_t{length};
  }
}

inline Decoded decode_png(const unsigned char* data, std::size_t size, const std::string& where) {
  // IHDR is always the first chunk: its size is checked before libpng runs,
  // so an over-size or empty image gets our message, not libpng's.
  if (size >= 24 && starts_with(data, size, "IHDR", 12))
    check_image_size(big_endian32(data + 16), big_endian32(data + 20), where);
  check_png_chunks(data, size, where);
  PngCodec codec;
  codec.data = data;
  codec.size = size;
  const PngCodecCleanup cleanup{codec};
  if (!png_decode_header(codec, kMaxImageSide, kMaxPngChunkBytes)) fail_png(codec, where);
  check_image_size(codec.width, codec.height, where);
  Decoded out = allocate_rgb(codec.height, codec.width, where);
  if (!png_decode_pixels(codec, out.rgb.get())) fail_png(codec, where);
  return out;
}

[[noreturn]] inline void fail_jpeg(const JpegDecoder& decoder, const std::string& where) {
  const JpegFailure& f = decoder.failure;
  if (f.scan_limit)
    fail(where, "corrupt JPEG: more than ", kMaxJpegScans, " scans (progressive files have ~10)");
  if (f.code == JWRN_JPEG_EOF) fail(where, "truncated JPEG (libjpeg: ", f.message, ")");
  if (f.code == JERR_NO_BACKING_STORE || f.code == JERR_OUT_OF_MEMORY)
    fail(where, "the JPEG decoder needs more memory than the limit of ",
         byte_count(double(kMaxJpegDecoderBytes)), " or than is free (libjpeg: ", f.message, ")");
  if (f.code == JERR_EMPTY_IMAGE) check_image_size(0, 0, where);
  fail(where, "corrupt JPEG (libjpeg: ", f.message, ")");
}

/// A progressive (or other multi-scan) JPEG keeps every DCT coefficient
/// until the last scan: 128 bytes per 8x8 block and component, zero-filled,
/// so it is real memory. libjpeg-turbo 2.1 (Debian 12) ignores
/// max_memory_to_use for this buffer, so we size it from the header here.
inline void check_jpeg_memory(jpeg_decompress_struct& cinfo, const std::string& where) {
  if (!jpeg_has_multiple_scans(&cinfo)) return;  // baseline: a few rows only
  double bytes = 0;
  for (int c = 0; c < cinfo.num_components; ++c) {
    const jpeg_component_info& comp = cinfo.comp_info[c];
    const auto round_up = [](double v, double m) { return std::ceil(v / m) * m; };
    bytes += round_up(comp.width_in_blocks, comp.h_samp_factor) *
             round_up(comp.height_in_blocks, comp.v_samp_factor) * DCTSIZE2 * sizeof(JCOEF);
  }
  require(bytes <= double(kMaxJpegDecoderBytes), where, "this ", cinfo.image_width, "x",
          cinfo.image_height, " progressive JPEG needs ", byte_count(bytes),
          " to decode, more than the limit of ", byte_count(double(kMaxJpegDecoderBytes)));
}

inline Decoded decode_jpeg(const unsigned char* data, std::size_t size, const std::string& where) {
  JpegDecoder decoder;
  const JpegDecoderCleanup cleanup{decoder};
  const bool header = jpeg_decode_header(decoder, data, size, kMaxJpegDecoderBytes);
  // The frame header may have been read although a later marker failed: a
  // tiny file claiming 60000x60000 is told about the limit, not truncation.
  // (libjpeg sets the width only after both its bytes were read.)
  const std::size_t w = decoder.cinfo.image_width, h = decoder.cinfo.image_height;
  if (w > 0 && h > 0) check_image_size(w, h, where);
  if (!header) fail_jpeg(decoder, where);
  check_jpeg_memory(decoder.cinfo, where);
  const J_COLOR_SPACE space = decoder.cinfo.jpeg_color_space;
  require(space != JCS_CMYK && space != JCS_YCCK, where,
          "CMYK JPEGs are not supported (ismooth reads grey and RGB JPEGs: without the file's "
          "colour profile CMYK has no definite RGB); convert it to an RGB PNG or JPEG");
  require(space == JCS_GRAYSCALE || space == JCS_YCbCr || space == JCS_RGB, where, "JPEG with ",
          decoder.cinfo.num_components,
          " colour components is not supported (ismooth reads grey and RGB JPEGs)");
  Decoded out = allocate_rgb(h, w, where);
  if (!jpeg_decode_pixels(decoder, out.rgb.get())) fail_jpeg(decoder, where);
  return out;
}

/// Decodes PNG or JPEG to 8-bit RGB; everything else is refused by content.
inline Decoded decode_rgb(const unsigned char* data, std::size_t size, const std::string& where) {
  require(data != nullptr && size > 0, where, "file is empty");
  if (starts_with(data, size, kPngSignature)) return decode_png(data, size, where);
  if (starts_with(data, size, kJpegSignature)) return decode_jpeg(data, size, where);
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (kPngSignature.starts_with(bytes)) fail(where, "truncated PNG (", size, " bytes)");
  if (kJpegSignature.starts_with(bytes)) fail(where, "truncated JPEG (", size, " bytes)");
  const std::string_view other = foreign_format(data, size);
  require(other.empty(), where, other,
          " files are not supported (ismooth reads PNG and JPEG); convert it to PNG");
  fail(where, "not a PNG or JPEG file, nor a format we recognise (ismooth reads PNG and JPEG)");
}

/// Planar (3, H, W) image of the decoded samples.
template <class Scalar>
Image<Scalar> to_image(const Decoded& d, const std::string& where) {
  const std::size_t n = d.height * d.width;
  try {
    Image<Scalar> image(typename Image<Scalar>::shape_type{kChannels, d.height, d.width});
    for (std::size_t c = 0; c < kChannels; ++c)
      for (std::size_t k = 0; k < n; ++k)
        image.data()[c * n + k] = static_cast<Scalar>(d.rgb[kChannels * k + c]);
    return image;
  } catch (const std::bad_alloc&) {
    fail(where, "out of memory: a ", d.width, "x", d.height, " image needs ",
         byte_count(double(n) * kChannels * sizeof(Scalar)));
  }
}

inline Decoded decode_file(const std::filesystem::path& path) {
  const std::string where = read_prefix(path.string());
  const std::vector<unsigned char> bytes = read_file(path, where);
  return decode_rgb(bytes.data(), bytes.size(), where);
}

inline std::string write_prefix(const std::filesystem::path& path) {
  return "cannot write '" + path.string() + "': ";
}

enum class Format { png, jpeg };

inline Format format_of(const std::filesystem::path& path, bool allow_jpeg) {
  const std::string given = path.extension().string();
  std::string ext = given;
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".png") return Format::png;
  if (allow_jpeg && (ext == ".jpg" || ext == ".jpeg")) return Format::jpeg;
  fail(write_prefix(path),
       given.empty() ? "no file extension" : "unsupported extension '" + given + "'",
       allow_jpeg ? " (use .png, .jpg or .jpeg)" : " (masks are PNG only: lossless)");
}

inline std::uint8_t to_byte(double v) {
  return static_cast<std::uint8_t>(std::round(std::clamp(v, 0.0, 255.0)));
}

/// Writes `bytes` atomically (atomic_file.hpp): complete or absent.
inline void write_atomically(const std::filesystem::path& target,
                             const std::vector<unsigned char>& bytes) {
  ismooth::write_atomically(target, bytes.data(), bytes.size());
}

/// Encodes interleaved 8-bit grey (1 channel) or RGB (3) in memory.
inline std::vector<unsigned char> encode(Format format, const std::vector<std::uint8_t>& pixels,
                                         std::size_t h, std::size_t w, int channels,
                                         const std::string& where) {
  const auto width = static_cast<std::uint32_t>(w), height = static_cast<std::uint32_t>(h);
  if (format == Format::png) {
    std::vector<unsigned char> bytes;
    PngCodec codec;
    codec.sink = &bytes;
    const PngCodecCleanup cleanup{codec};
    if (!png_encode_image(codec, pixels.data(), width, height, channels))
      fail(where, "PNG encoding failed (libpng: ", codec.message, ")");
    return bytes;
  }
  JpegEncoder encoder;
  const JpegEncoderCleanup cleanup{encoder};
  if (!jpeg_encode_image(encoder, pixels.data(), width, height, channels, kJpegQuality))
    fail(where, "JPEG encoding failed (libjpeg: ", encoder.failure.message, ")");
  return std::vector<unsigned char>(encoder.buffer, encoder.buffer + encoder.size);
}

/// Encodes interleaved 8-bit samples in memory, then writes them atomically.
inline void encode_and_write(const std::filesystem::path& path, Format format,
                             const std::vector<std::uint8_t>& pixels, std::size_t h, std::size_t w,
                             int channels) {
  const std::string where = write_prefix(path);
  require(h > 0 && w > 0 && h <= kMaxImageSide && w <= kMaxImageSide && h * w <= kMaxImagePixels,
          where, "cannot store a ", w, "x", h, " image (1 to ", kMaxImageSide,
          " pixels a side, at most 2^28 in all)");
  write_atomically(path, encode(format, pixels, h, w, channels, where));
}

}  // namespace detail

/// Reads a PNG or JPEG file as RGB, shape (3, H, W), values 0..255 (rules
/// and limits in \file). Throws ismooth::Error naming the path.
template <class Scalar>
Image<Scalar> load_image_as(const std::filesystem::path& path) {
  return detail::to_image<Scalar>(detail::decode_file(path), detail::read_prefix(path.string()));
}

/// Decodes a PNG or JPEG held in memory (`size` bytes at `data`), exactly as
/// load_image decodes a file; `source_name` stands for the path in messages.
/// The entry point of the fuzz target. Throws ismooth::Error.
inline Image<float> decode_image(const unsigned char* data, std::size_t size,
                                 const std::string& source_name) {
  const std::string where = detail::read_prefix(source_name);
  return detail::to_image<float>(detail::decode_rgb(data, size, where), where);
}

inline Image<float> load_image(const std::filesystem::path& path) {
  return load_image_as<float>(path);
}

/// Writes an RGB image as PNG or JPEG by extension. A shape other than
/// (3, H, W) or a non-finite value is refused, not clamped into a plausible pixel.
template <class Scalar>
void save_image(const Image<Scalar>& image, const std::filesystem::path& path) {
  const detail::Format format = detail::format_of(path, true);
  check_image(image, "cannot write '" + path.string() + "'");
  const std::size_t h = height(image), w = width(image), n = h * w;
  std::vector<std::uint8_t> pixels(kChannels * n);
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t k = 0; k < n; ++k)
      pixels[kChannels * k + c] = detail::to_byte(static_cast<double>(image.data()[c * n + k]));
  detail::encode_and_write(path, format, pixels, h, w, static_cast<int>(kChannels));
}

/// Writes a 0/1 mask as a grey PNG with values 0/255. PNG only, since JPEG
/// would blur the very edges a mask marks; values other than 0/1 are refused.
inline void save_mask(const Mask& mask, const std::filesystem::path& path) {
  const detail::Format format = detail::format_of(path, false);
  const std::size_t w = width(mask);
  std::vector<std::uint8_t> pixels(mask.size());
  for (std::size_t k = 0; k < mask.size(); ++k) {
    const std::uint8_t v = mask.data()[k];
    if (v > 1)
      fail(detail::write_prefix(path), "mask value ", int(v), " at row ", k / w, ", column ", k % w,
           " is not 0 or 1");
    pixels[k] = static_cast<std::uint8_t>(v * 255);
  }
  detail::encode_and_write(path, format, pixels, height(mask), w, 1);
}

/// Reads a mask from a PNG or JPEG: 1 where the grey value (or a colour
/// file's red channel) is above 127, else 0. The threshold keeps hand-drawn or JPEG'd masks usable.
inline Mask load_mask(const std::filesystem::path& path) {
  const detail::Decoded d = detail::decode_file(path);
  Mask mask(Mask::shape_type{d.height, d.width});
  for (std::size_t k = 0; k < mask.size(); ++k) mask.data()[k] = d.rgb[kChannels * k] > 127 ? 1 : 0;
  return mask;
}

/// Writes one plane (e.g. an edge response) as a grey PNG/JPEG of value·scale,
/// clamped to [0, 255] and rounded. Non-finite values are refused rather than
/// shown as plausible black or white.
template <class Scalar>
void save_plane(const Plane<Scalar>& plane, const std::filesystem::path& path, double scale = 1.0) {
  const detail::Format format = detail::format_of(path, true);
  const std::string where = detail::write_prefix(path);
  require(std::isfinite(scale), where, "scale ", scale, " is not finite");
  const std::size_t w = width(plane);
  std::vector<std::uint8_t> pixels(plane.size());
  for (std::size_t k = 0; k < plane.size(); ++k) {
    const double v = static_cast<double>(plane.data()[k]);
    if (!std::isfinite(v))
      fail(where, "value ", v, " at row ", k / w, ", column ", k % w, " is not finite");
    pixels[k] = detail::to_byte(v * scale);
  }
  detail::encode_and_write(path, format, pixels, height(plane), w, 1);
}

}  // namespace ismooth
