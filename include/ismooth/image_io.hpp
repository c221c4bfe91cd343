#pragma once
/// \file
/// Image, mask and plane files: the only place pixels cross between disk and
/// the planar 0–255 `Image` (image.hpp). Built on stb_image/stb_image_write,
/// precompiled in libstb.so (so no STB_*_IMPLEMENTATION here).
///
/// Contract, relied on by the tool and the tests:
/// - **Reading** accepts whatever stb_image decodes (PNG, JPEG, BMP, TGA, PNM,
///   PSD, PIC, first GIF frame; HDR via stb's gamma 2.2). The file is read into
///   memory first so every error names the path and can add stb's reason.
/// - **Grey** is replicated into R, G and B. **Alpha** (grey+alpha, RGBA) is
///   dropped: colours are kept as stored, not composited, because any
///   background colour would invent edges where the alpha changes.
/// - **16-bit** PNG/PNM is read at full depth and rounded to 8 bits,
///   round(v·255/65535) = ⌊(v + 128)/257⌋; stb's own 16→8 path truncates
///   (v >> 8), darkening pixels by up to one level.
/// - **Refused** with ismooth::Error: missing, unreadable, empty or directory
///   paths, non-images, corrupt data, zero width or height, more than 2^28
///   pixels, and JPEGs with no end-of-image marker FF D9 after the scan
///   starts (truncated; data after the marker is fine). stb 2.27 refuses the
///   truncated JPEGs we tried anyway ("expected marker"), older stb decoded
///   them silently; the check keeps that guarantee and a clearer message.
/// - **Writing** clamps to [0, 255] and rounds to nearest, halves away from 0.
///   The extension picks the format, case-insensitively: .png, or .jpg/.jpeg
///   at quality 95; anything else is an Error naming the extension.
/// - **Writes are atomic**: encoded in memory (the format is passed to the
///   encoder, never taken from a file name), then written by
///   ismooth::write_atomically (atomic_file.hpp) through a temporary
///   `<name>.ismooth-tmp-<pid>-<n>` that no batch reads and that SIGINT/SIGTERM
///   remove: a failed or interrupted run never leaves half an image. (No
///   fsync: this guards against failures, not power loss.)

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ismooth/atomic_file.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// Largest image read or written: 2^28 pixels (a 3 GiB float image). Beyond
/// that a header is far more likely corrupt than a real input.
inline constexpr std::size_t kMaxImagePixels = std::size_t{1} << 28;
inline constexpr int kJpegQuality = 95;

namespace detail {

/// Pixels as stb hands them over: interleaved, 8 bits per sample.
struct Decoded {
  std::size_t height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};

inline std::vector<unsigned char> read_file(const std::filesystem::path& path,
                                            const std::string& where) {
  std::error_code ec;
  require(std::filesystem::exists(path, ec), where, "file does not exist");
  require(!std::filesystem::is_directory(path, ec), where, "it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, "cannot open file (", std::strerror(errno), ")");
  std::vector<unsigned char> bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    bytes.insert(bytes.end(), chunk, chunk + in.gcount());
    // stb takes an int length.
    require(bytes.size() <= std::size_t{INT_MAX}, where, "file is larger than 2 GiB");
  }
  require(!in.bad(), where, "read error");
  require(!bytes.empty(), where, "file is empty");
  return bytes;
}

/// Walks the header segments to the first start-of-scan, then looks for EOI.
/// Not "ends with FF D9": an EXIF thumbnail has its own FF D9 before the main
/// scan, and phones append data after the real one (motion photos). Inside
/// scan data FF is always stuffed (FF 00) or a restart, so any FF D9 is EOI.
inline bool jpeg_is_truncated(const std::vector<unsigned char>& b) {
  const std::size_t n = b.size();
  if (n < 3 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF) return false;
  std::size_t i = 2;
  while (i + 1 < n && !(b[i] == 0xFF && b[i + 1] == 0xDA)) {
    if (b[i] != 0xFF) return false;  // corrupt header: stb says it better
    if (b[i + 1] == 0xFF) {          // fill byte
      ++i;
      continue;
    }
    if (i + 3 >= n) return true;
    i += 2 + (std::size_t{b[i + 2]} << 8 | b[i + 3]);
  }
  for (; i + 1 < n; ++i)
    if (b[i] == 0xFF && b[i + 1] == 0xD9) return false;
  return true;
}

/// stb's reasons are terse ("outofdata"); say what the common one means.
inline std::string stb_reason() {
  const char* reason = stbi_failure_reason();
  const std::string text = std::string("stb_image: ") + (reason ? reason : "unknown error");
  const bool short_read = reason && std::strcmp(reason, "outofdata") == 0;
  return short_read ? "truncated or corrupt (" + text + ")" : text;
}

/// Decodes `path` to 8-bit samples; `wanted` channels, or 0 for as stored.
inline Decoded decode(const std::filesystem::path& path, int wanted) {
  const std::string where = "cannot read image '" + path.string() + "': ";
  const std::vector<unsigned char> bytes = read_file(path, where);
  const unsigned char* data = bytes.data();
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, n = 0;
  // Header first, so absurd sizes are refused before stb allocates for them.
  if (!stbi_info_from_memory(data, len, &w, &h, &n)) fail(where, stb_reason());
  require(w > 0 && h > 0, where, "image has zero size (", w, "x", h, ")");
  require(std::size_t(w) * std::size_t(h) <= kMaxImagePixels, where, "image is ", w, "x", h,
          ", more than the limit of 2^28 pixels");
  require(!jpeg_is_truncated(bytes), where, "truncated JPEG (no end-of-image marker FF D9)");

  const bool deep = stbi_is_16_bit_from_memory(data, len) != 0;
  std::unique_ptr<void, void (*)(void*)> raw(
      deep ? static_cast<void*>(stbi_load_16_from_memory(data, len, &w, &h, &n, wanted))
           : static_cast<void*>(stbi_load_from_memory(data, len, &w, &h, &n, wanted)),
      stbi_image_free);
  if (!raw) fail(where, stb_reason());
  Decoded out{std::size_t(h), std::size_t(w), std::size_t(wanted != 0 ? wanted : n), {}};
  out.pixels.resize(out.height * out.width * out.channels);
  if (deep) {
    const auto* p = static_cast<const std::uint16_t*>(raw.get());
    for (std::size_t k = 0; k < out.pixels.size(); ++k)
      out.pixels[k] = static_cast<std::uint8_t>((p[k] + 128u) / 257u);
  } else {
    const auto* p = static_cast<const std::uint8_t*>(raw.get());
    std::copy(p, p + out.pixels.size(), out.pixels.begin());
  }
  return out;
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

/// Encodes interleaved 8-bit samples in memory, then writes them atomically.
inline void encode_and_write(const std::filesystem::path& path, Format format,
                             const std::vector<std::uint8_t>& pixels, std::size_t h, std::size_t w,
                             int channels) {
  const std::string where = write_prefix(path);
  require(h > 0 && w > 0 && h * w <= kMaxImagePixels, where, "cannot store a ", w, "x", h,
          " image (needs 1 to 2^28 pixels)");
  // The JPEG header has 16-bit sizes, and stb does not check them.
  require(format != Format::jpeg || (h <= 65535 && w <= 65535), where,
          "JPEG cannot store more than 65535 pixels on a side (", w, "x", h, ")");
  struct Sink {
    std::vector<unsigned char> bytes;
    bool failed = false;
  } sink;
  auto append = [](void* context, void* data, int size) {
    auto* s = static_cast<Sink*>(context);
    const auto* b = static_cast<const unsigned char*>(data);
    try {  // no exception may cross stb's C frames
      s->bytes.insert(s->bytes.end(), b, b + size);
    } catch (...) {
      s->failed = true;
    }
  };
  const int iw = static_cast<int>(w), ih = static_cast<int>(h);
  const int ok =
      format == Format::png
          ? stbi_write_png_to_func(append, &sink, iw, ih, channels, pixels.data(), iw * channels)
          : stbi_write_jpg_to_func(append, &sink, iw, ih, channels, pixels.data(), kJpegQuality);
  require(ok != 0 && !sink.failed && !sink.bytes.empty(), where, "encoding failed");
  write_atomically(path, sink.bytes);
}

}  // namespace detail

/// Reads an image as RGB, shape (3, H, W), values 0..255 (rules in \file).
template <class Scalar>
Image<Scalar> load_image_as(const std::filesystem::path& path) {
  const detail::Decoded d = detail::decode(path, 3);
  Image<Scalar> image(typename Image<Scalar>::shape_type{kChannels, d.height, d.width});
  const std::size_t n = d.height * d.width;
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t k = 0; k < n; ++k)
      image.data()[c * n + k] = static_cast<Scalar>(d.pixels[kChannels * k + c]);
  return image;
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

/// Reads a mask: 1 where the grey value (or a colour file's first channel) is
/// above 127, else 0. The threshold keeps hand-drawn or JPEG'd masks usable.
inline Mask load_mask(const std::filesystem::path& path) {
  const detail::Decoded d = detail::decode(path, 0);
  Mask mask(Mask::shape_type{d.height, d.width});
  for (std::size_t k = 0; k < mask.size(); ++k)
    mask.data()[k] = d.pixels[d.channels * k] > 127 ? 1 : 0;
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
