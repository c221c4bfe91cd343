#pragma once
// Internal: what a file is, from its first bytes. Include
// "ismooth/image_io.hpp" instead. Formats are recognised by content, never by
// the file name; the names of formats we do not read only make the refusal
// say what the file is and what to do about it.

#include <cctype>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace ismooth::detail {

inline bool starts_with(const unsigned char* data, std::size_t size, std::string_view magic,
                        std::size_t at = 0) {
  return size >= at + magic.size() && std::memcmp(data + at, magic.data(), magic.size()) == 0;
}

inline constexpr std::string_view kPngSignature{"\x89PNG\r\n\x1A\n", 8};
inline constexpr std::string_view kJpegSignature{"\xFF\xD8\xFF", 3};

/// TGA has no signature; this accepts plausible 18-byte headers (colour map
/// flag, image type, pixel depth, non-zero size). Used only to name the
/// format in the refusal, so a wrong guess costs nothing but the message.
inline bool looks_like_tga(const unsigned char* d, std::size_t n) {
  if (n < 18 || d[1] > 1) return false;
  const int type = d[2], depth = d[16];
  const bool known_type =
      type == 1 || type == 2 || type == 3 || type == 9 || type == 10 || type == 11;
  const bool known_depth = depth == 8 || depth == 15 || depth == 16 || depth == 24 || depth == 32;
  return known_type && known_depth && (d[12] | d[13]) != 0 && (d[14] | d[15]) != 0;
}

/// The name of a format we do not read, from its first bytes; empty if
/// none is recognised.
inline std::string_view foreign_format(const unsigned char* d, std::size_t n) {
  using namespace std::string_view_literals;
  if (starts_with(d, n, "BM")) return "BMP";
  if (starts_with(d, n, "GIF87a") || starts_with(d, n, "GIF89a")) return "GIF";
  if (n >= 3 && d[0] == 'P' && std::isspace(d[2])) {
    switch (d[1]) {
      case '1':
      case '4':
        return "PBM (PNM)";
      case '2':
      case '5':
        return "PGM (PNM)";
      case '3':
      case '6':
        return "PPM (PNM)";
      case '7':
        return "PAM (PNM)";
      case 'F':
      case 'f':
        return "PFM";
    }
  }
  if (starts_with(d, n, "II*\0"sv) || starts_with(d, n, "MM\0*"sv) ||
      starts_with(d, n, "II+\0"sv) || starts_with(d, n, "MM\0+"sv))
    return "TIFF";
  if (starts_with(d, n, "RIFF") && starts_with(d, n, "WEBP", 8)) return "WebP";
  if (starts_with(d, n, "ftyp", 4)) {
    for (std::string_view brand : {"avif", "avis"})
      if (starts_with(d, n, brand, 8)) return "AVIF";
    for (std::string_view brand : {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"})
      if (starts_with(d, n, brand, 8)) return "HEIF";
  }
  if (starts_with(d, n, "8BPS")) return "PSD";
  if (starts_with(d, n, "#?RADIANCE") || starts_with(d, n, "#?RGBE")) return "Radiance HDR";
  if (starts_with(d, n, "\x53\x80\xF6\x34")) return "Softimage PIC";
  if (starts_with(d, n, "\0\0\0\x0CjP  \r\n\x87\n"sv) || starts_with(d, n, "\xFF\x4F\xFF\x51"))
    return "JPEG 2000";
  if (starts_with(d, n, "\0\0\0\x0CJXL \r\n\x87\n"sv) || starts_with(d, n, "\xFF\x0A"))
    return "JPEG XL";
  if (starts_with(d, n, "qoif")) return "QOI";
  if (starts_with(d, n, "\x76\x2F\x31\x01")) return "OpenEXR";
  if (starts_with(d, n, "\0\0\1\0"sv) && n >= 6 && (d[4] | d[5]) != 0) return "ICO";
  if (starts_with(d, n, "%PDF")) return "PDF";
  if (looks_like_tga(d, n)) return "TGA";
  return {};
}

}  // namespace ismooth::detail
