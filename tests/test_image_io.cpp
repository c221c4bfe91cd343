#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ismooth/image_io.hpp"
#include "test_support.hpp"
// After image_io.hpp, which includes <cstdio> that jpeglib.h needs.
#include <jpeglib.h>
#include <png.h>

namespace fs = std::filesystem;
using ismooth::Error;
using ismooth::Image;
using ismooth::Mask;
using ismooth::Plane;
using Bytes = std::vector<unsigned char>;

using ismooth::test::contains;
using ismooth::test::error_of;

namespace {

/// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int count = 0;
    path = fs::temp_directory_path() /
           ("ismooth-test-io-" + std::to_string(::getpid()) + "-" + std::to_string(count++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path / name; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  REQUIRE(out);
}

// A minimal PNG encoder (stored deflate blocks), independent of the libpng
// under test; it writes any depth and colour type, and broken headers.
std::uint32_t crc32(const unsigned char* p, std::size_t n, std::uint32_t crc = 0) {
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}
void put32(Bytes& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(v >> s));
}
void chunk(Bytes& png, const char* type, const Bytes& data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  Bytes body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put32(png, crc32(body.data(), body.size()));
}
/// `rows`: the scanlines without filter bytes (filter 0 is added); `extra`:
/// chunks (type, data) between IHDR and IDAT, e.g. PLTE and tRNS.
Bytes make_png(std::uint32_t w, std::uint32_t h, int depth, int colour_type, const Bytes& rows,
               std::size_t row_bytes,
               const std::vector<std::pair<const char*, Bytes>>& extra = {}) {
  Bytes raw;
  for (std::size_t r = 0; r * row_bytes < rows.size(); ++r) {
    raw.push_back(0);
    raw.insert(raw.end(), rows.begin() + r * row_bytes, rows.begin() + (r + 1) * row_bytes);
  }
  Bytes z = {0x78, 0x01};
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min<std::size_t>(65535, raw.size() - pos);
    z.push_back(pos + len == raw.size() ? 1 : 0);
    z.push_back(len & 0xFF), z.push_back(len >> 8);
    z.push_back(~len & 0xFF), z.push_back((~len >> 8) & 0xFF);
    z.insert(z.end(), raw.begin() + pos, raw.begin() + pos + len);
    pos += len;
  } while (pos < raw.size());
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : raw) a = (a + c) % 65521, b = (b + a) % 65521;
  put32(z, b << 16 | a);
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes ihdr;
  put32(ihdr, w), put32(ihdr, h);
  ihdr.insert(ihdr.end(), {static_cast<unsigned char>(depth),
                           static_cast<unsigned char>(colour_type), 0, 0, 0});
  chunk(png, "IHDR", ihdr);
  for (const auto& [type, data] : extra) chunk(png, type, data);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", {});
  return png;
}

/// An 8-bit PNG of interleaved samples; `comp` 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
Bytes png8(const Bytes& px, int w, int h, int comp) {
  const int colour_type[] = {0, 0, 4, 2, 6};
  return make_png(w, h, 8, colour_type[comp], px, static_cast<std::size_t>(w * comp));
}

/// A 4:4:4 JPEG from libjpeg directly (the library's default error handler
/// exits, acceptable for fixtures): `space` JCS_GRAYSCALE, JCS_RGB or JCS_CMYK.
Bytes libjpeg_encode(const Bytes& px, int w, int h, J_COLOR_SPACE space, bool progressive) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(w);
  cinfo.image_height = static_cast<JDIMENSION>(h);
  cinfo.input_components = space == JCS_GRAYSCALE ? 1 : space == JCS_CMYK ? 4 : 3;
  cinfo.in_color_space = space;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  for (int c = 0; c < cinfo.num_components; ++c)  // 4:4:4, as image_io writes
    cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  const std::size_t stride = static_cast<std::size_t>(w * cinfo.input_components);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<unsigned char*>(px.data()) + cinfo.next_scanline * stride;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  Bytes out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

/// An Adam7-interlaced 8-bit RGB PNG from libpng directly (its default
/// error handler aborts, acceptable for fixtures).
Bytes libpng_interlaced(const Bytes& rgb, std::uint32_t w, std::uint32_t h) {
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, std::size_t n) {
        auto* bytes = static_cast<Bytes*>(png_get_io_ptr(p));
        bytes->insert(bytes->end(), data, data + n);
      },
      nullptr);
  png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_bytep> rows(h);
  for (std::uint32_t y = 0; y < h; ++y)
    rows[y] = const_cast<png_bytep>(rgb.data()) + std::size_t{y} * w * 3;
  png_set_rows(png, info, rows.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

/// Interleaved samples of a smooth colour picture (JPEG-friendly).
Bytes smooth_samples(int w, int h, int comp) {
  Bytes px(static_cast<std::size_t>(w * h * comp));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < comp; ++c)
        px[static_cast<std::size_t>((y * w + x) * comp + c)] =
            static_cast<unsigned char>(40 + 3 * x + 2 * y + 30 * c);
  return px;
}

/// Offset of the first marker FF `code` in a JPEG's header segments.
std::size_t find_marker(const Bytes& jpg, unsigned char code) {
  for (std::size_t i = 2; i + 3 < jpg.size();) {
    REQUIRE(jpg[i] == 0xFF);
    if (jpg[i + 1] == code) return i;
    i += 2 + (std::size_t{jpg[i + 2]} << 8 | jpg[i + 3]);
  }
  FAIL("marker not found");
  return 0;
}

Image<float> random_image(std::size_t h, std::size_t w, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> level(0, 255);
  Image<float> image = ismooth::make_image<float>(h, w);
  for (auto& v : image) v = static_cast<float>(level(rng));
  return image;
}

Image<float> smooth_image(std::size_t h, std::size_t w) {
  Image<float> image = ismooth::make_image<float>(h, w);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      image(0, y, x) = 40.0f + 150.0f * x / w;
      image(1, y, x) = 200.0f - 120.0f * y / h;
      image(2, y, x) = 128.0f + 60.0f * std::sin(0.1f * (x + y));
    }
  return image;
}

template <class A, class B>
std::size_t mismatches(const A& a, const B& b) {
  REQUIRE(a.shape() == b.shape());
  std::size_t count = 0;
  for (std::size_t k = 0; k < a.size(); ++k) count += a.data()[k] != b.data()[k];
  return count;
}

}  // namespace

TEST_CASE("image_io: PNG round trip is exact, for every scalar type") {
  TempDir dir;
  const Image<float> image = random_image(37, 53, 1);
  for (const char* name : {"a.png", "b.PNG"}) {
    const fs::path path = dir / name;
    ismooth::save_image(image, path);
    const Bytes bytes = read_bytes(path);
    REQUIRE(bytes.size() > 8);
    CHECK(bytes[1] == 'P');  // really a PNG
    const Image<float> back = ismooth::load_image(path);
    CHECK(back.shape() == image.shape());
    CHECK(mismatches(back, image) == 0);
    CHECK(mismatches(ismooth::load_image_as<double>(path), ismooth::image_cast<double>(image)) ==
          0);
    CHECK(mismatches(ismooth::load_image_as<std::uint8_t>(path),
                     ismooth::image_cast<std::uint8_t>(image)) == 0);
  }
  ismooth::save_image(ismooth::image_cast<double>(image), dir / "c.png");
  CHECK(mismatches(ismooth::load_image(dir / "c.png"), image) == 0);
  CHECK(dir.entries() == std::vector<std::string>{"a.png", "b.PNG", "c.png"});
}

TEST_CASE("image_io: JPEG round trip is close on a smooth image") {
  TempDir dir;
  const Image<float> image = smooth_image(48, 64);
  for (const char* name : {"a.jpg", "b.jpeg", "c.JPG"}) {
    const fs::path path = dir / name;
    ismooth::save_image(image, path);
    const Bytes bytes = read_bytes(path);
    REQUIRE(bytes.size() > 3);
    CHECK((bytes[0] == 0xFF && bytes[1] == 0xD8));  // really a JPEG
    const Image<float> back = ismooth::load_image(path);
    REQUIRE(back.shape() == image.shape());
    double error = 0;
    for (std::size_t k = 0; k < image.size(); ++k)
      error += std::abs(back.data()[k] - image.data()[k]);
    error /= static_cast<double>(image.size());
    CHECK(error < 3.0);
  }
}

TEST_CASE("image_io: grey is replicated into R, G and B") {
  TempDir dir;
  const int w = 7, h = 5;
  Bytes grey(w * h);
  for (std::size_t k = 0; k < grey.size(); ++k) grey[k] = static_cast<unsigned char>(k * 37 % 256);
  write_bytes(dir / "grey.png", png8(grey, w, h, 1));
  const Image<float> image = ismooth::load_image(dir / "grey.png");
  REQUIRE(image.shape() == Image<float>::shape_type{3, h, w});
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) CHECK(image(c, y, x) == grey[y * w + x]);
}

TEST_CASE("image_io: alpha is dropped, colours kept as stored") {
  TempDir dir;
  const int w = 4, h = 3;
  Bytes rgba(w * h * 4), grey_alpha(w * h * 2);
  for (int k = 0; k < w * h; ++k) {
    rgba[4 * k + 0] = static_cast<unsigned char>(20 * k);
    rgba[4 * k + 1] = static_cast<unsigned char>(255 - 20 * k);
    rgba[4 * k + 2] = static_cast<unsigned char>(7 * k + 3);
    rgba[4 * k + 3] = static_cast<unsigned char>(k % 3 == 0 ? 0 : 100);  // transparent too
    grey_alpha[2 * k] = static_cast<unsigned char>(200 - 9 * k);
    grey_alpha[2 * k + 1] = static_cast<unsigned char>(k * 21);
  }
  write_bytes(dir / "rgba.png", png8(rgba, w, h, 4));
  write_bytes(dir / "ga.png", png8(grey_alpha, w, h, 2));
  const Image<float> a = ismooth::load_image(dir / "rgba.png");
  const Image<float> b = ismooth::load_image(dir / "ga.png");
  REQUIRE(a.shape() == Image<float>::shape_type{3, h, w});
  REQUIRE(b.shape() == Image<float>::shape_type{3, h, w});
  for (int k = 0; k < w * h; ++k)
    for (int c = 0; c < 3; ++c) {
      CHECK(a(c, k / w, k % w) == rgba[4 * k + c]);
      CHECK(b(c, k / w, k % w) == grey_alpha[2 * k]);
    }
}

TEST_CASE("image_io: 16-bit PNG is rounded to 8 bits, not truncated") {
  TempDir dir;
  // 255 and 386 are where rounding and stb's truncation (v >> 8) differ.
  const std::vector<std::uint16_t> values = {0,     128,   129,   255,   386,   32767,
                                             32896, 40000, 65407, 65534, 65535, 1000};
  const int w = 4, h = 3;
  Bytes rgb_rows, grey_rows;
  auto put16 = [](Bytes& out, std::uint16_t v) { out.push_back(v >> 8), out.push_back(v & 0xFF); };
  for (int k = 0; k < w * h; ++k) {
    for (int c = 0; c < 3; ++c) put16(rgb_rows, values[(k + 4 * c) % values.size()]);
    put16(grey_rows, values[k]);
  }
  write_bytes(dir / "rgb16.png", make_png(w, h, 16, 2, rgb_rows, 6 * w));
  write_bytes(dir / "grey16.png", make_png(w, h, 16, 0, grey_rows, 2 * w));
  auto expected = [](std::uint16_t v) {
    return static_cast<float>(std::lround(v * 255.0 / 65535.0));
  };
  const Image<float> rgb = ismooth::load_image(dir / "rgb16.png");
  const Image<float> grey = ismooth::load_image(dir / "grey16.png");
  REQUIRE(rgb.shape() == Image<float>::shape_type{3, h, w});
  REQUIRE(grey.shape() == Image<float>::shape_type{3, h, w});
  for (int k = 0; k < w * h; ++k)
    for (int c = 0; c < 3; ++c) {
      CHECK(rgb(c, k / w, k % w) == expected(values[(k + 4 * c) % values.size()]));
      CHECK(grey(c, k / w, k % w) == expected(values[k]));
    }
  CHECK(grey(0, 0, 3) == 1.0f);  // 255 → 0.99 → 1 (truncation would give 0)
  CHECK(grey(0, 1, 0) == 2.0f);  // 386 → 1.50 → 2
  // The mask threshold applies after the same rounding: 32767 → 127 → 0, 32896 → 128 → 1.
  const Mask mask = ismooth::load_mask(dir / "grey16.png");
  CHECK(mask(1, 1) == 0);
  CHECK(mask(1, 2) == 1);
}

TEST_CASE("image_io: 16-bit PNG rounding is exact for every value") {
  TempDir dir;
  // All 65536 values once, as 16-bit grey; checked against ⌊(v + 128)/257⌋.
  Bytes rows;
  for (unsigned v = 0; v < 65536; ++v)
    rows.push_back(static_cast<unsigned char>(v >> 8)), rows.push_back(v & 0xFF);
  write_bytes(dir / "all16.png", make_png(256, 256, 16, 0, rows, 512));
  const Image<float> image = ismooth::load_image(dir / "all16.png");
  REQUIRE(image.shape() == Image<float>::shape_type{3, 256, 256});
  std::size_t wrong = 0;
  for (unsigned v = 0; v < 65536; ++v)
    for (std::size_t c = 0; c < 3; ++c)
      wrong += image(c, v / 256, v % 256) != static_cast<float>((v + 128) / 257);
  CHECK(wrong == 0);
}

TEST_CASE("image_io: 16-bit grey+alpha and RGBA PNGs drop alpha and round") {
  TempDir dir;
  auto put16 = [](Bytes& out, unsigned v) {
    out.push_back(v >> 8 & 0xFF), out.push_back(v & 0xFF);
  };
  Bytes ga, rgba;
  const unsigned values[] = {255, 386, 32896, 65535};
  for (unsigned v : values) {
    put16(ga, v), put16(ga, 0);  // fully transparent: colour still kept
    for (int c = 0; c < 3; ++c) put16(rgba, c == 0 ? v : 65535 - v);
    put16(rgba, 1234);
  }
  write_bytes(dir / "ga16.png", make_png(4, 1, 16, 4, ga, 16));
  write_bytes(dir / "rgba16.png", make_png(4, 1, 16, 6, rgba, 32));
  const Image<float> a = ismooth::load_image(dir / "ga16.png");
  const Image<float> b = ismooth::load_image(dir / "rgba16.png");
  for (std::size_t x = 0; x < 4; ++x) {
    const float v = static_cast<float>((values[x] + 128) / 257);
    const float inverse = static_cast<float>((65535 - values[x] + 128) / 257);
    for (std::size_t c = 0; c < 3; ++c) CHECK(a(c, 0, x) == v);
    CHECK(b(0, 0, x) == v);
    CHECK(b(1, 0, x) == inverse);
    CHECK(b(2, 0, x) == inverse);
  }
}

TEST_CASE("image_io: palette and low-depth grey PNGs expand to RGB") {
  TempDir dir;
  // Palette: 4 entries, 2 bits per index, with a tRNS chunk that is ignored.
  const Bytes palette = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  write_bytes(dir / "palette.png",
              make_png(4, 1, 2, 3, {0b00011011}, 1, {{"PLTE", palette}, {"tRNS", {0, 128}}}));
  const Image<float> p = ismooth::load_image(dir / "palette.png");
  REQUIRE(p.shape() == Image<float>::shape_type{3, 1, 4});
  for (std::size_t x = 0; x < 4; ++x)
    for (std::size_t c = 0; c < 3; ++c) CHECK(p(c, 0, x) == palette[3 * x + c]);
  // 1-bit grey: 0 → 0, 1 → 255.
  write_bytes(dir / "bits.png", make_png(8, 1, 1, 0, {0b10110000}, 1));
  const Image<float> g = ismooth::load_image(dir / "bits.png");
  const float expected[] = {255, 0, 255, 255, 0, 0, 0, 0};
  for (std::size_t x = 0; x < 8; ++x) CHECK(g(1, 0, x) == expected[x]);
  // A palette index beyond the palette is corrupt data.
  write_bytes(dir / "no_plte.png", make_png(4, 1, 2, 3, {0b00011011}, 1));
  CHECK(contains(error_of([&] { ismooth::load_image(dir / "no_plte.png"); }), "corrupt PNG"));
}

TEST_CASE("image_io: an interlaced PNG decodes to the same pixels") {
  TempDir dir;
  const std::uint32_t w = 13, h = 11;  // not multiples of 8: partial Adam7 blocks
  Bytes rgb(w * h * 3);
  for (std::size_t k = 0; k < rgb.size(); ++k) rgb[k] = static_cast<unsigned char>(k * 29 % 251);
  write_bytes(dir / "adam7.png", libpng_interlaced(rgb, w, h));
  const Image<float> image = ismooth::load_image(dir / "adam7.png");
  REQUIRE(image.shape() == Image<float>::shape_type{3, h, w});
  for (std::size_t k = 0; k < w * h; ++k)
    for (std::size_t c = 0; c < 3; ++c) CHECK(image(c, k / w, k % w) == rgb[3 * k + c]);
}

TEST_CASE("image_io: a PNG's data decides its format, not its name") {
  TempDir dir;
  const Image<float> image = random_image(6, 5, 21);
  ismooth::save_image(image, dir / "a.png");
  fs::copy_file(dir / "a.png", dir / "photo.jpg");
  fs::copy_file(dir / "a.png", dir / "noext");
  CHECK(mismatches(ismooth::load_image(dir / "photo.jpg"), image) == 0);
  CHECK(mismatches(ismooth::load_image(dir / "noext"), image) == 0);
  ismooth::save_image(smooth_image(16, 16), dir / "b.jpg");
  fs::copy_file(dir / "b.jpg", dir / "really_jpeg.png");
  CHECK(mismatches(ismooth::load_image(dir / "really_jpeg.png"),
                   ismooth::load_image(dir / "b.jpg")) == 0);
}

TEST_CASE("image_io: decode_image reads memory like load_image reads files") {
  TempDir dir;
  const Image<float> image = random_image(7, 9, 22);
  ismooth::save_image(image, dir / "a.png");
  const Bytes png = read_bytes(dir / "a.png");
  CHECK(mismatches(ismooth::decode_image(png.data(), png.size(), "memory"), image) == 0);
  const std::string message =
      error_of([&] { ismooth::decode_image(png.data(), png.size() - 20, "upload #3"); });
  CHECK(contains(message, "cannot read image 'upload #3': truncated PNG"));
  CHECK(contains(error_of([&] { ismooth::decode_image(nullptr, 0, "nothing"); }),
                 "'nothing': file is empty"));
}

TEST_CASE("image_io: other formats are refused by content, naming the format") {
  TempDir dir;
  using namespace std::string_view_literals;  // "...\0..."sv keeps the NULs
  auto text = [](std::string_view s) { return Bytes(s.begin(), s.end()); };
  // The probe's crash: a valid 16-bit grey PGM (stb read past its buffer).
  Bytes pgm16 = text("P5\n4 3\n65535\n");
  pgm16.resize(pgm16.size() + 4 * 3 * 2, 0x80);
  // Minimal but well-formed headers of each format, pixel data mostly cut.
  Bytes bmp = text("BM");
  bmp.resize(54, 0);
  bmp[14] = 40, bmp[18] = 4, bmp[22] = 4, bmp[26] = 1, bmp[28] = 24;
  // TGA has no signature: an 18-byte header claiming 65535x65535 (the probe's
  // 4 GiB decompression bomb), uncompressed RGB.
  const Bytes tga = {0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 24, 0};
  Bytes webp = text("RIFF\x10\0\0\0WEBPVP8 "sv);
  Bytes heic = text(
      "\0\0\0\x18"
      "ftypheic"sv);
  const std::vector<std::tuple<std::string, Bytes, std::string>> cases = {
      {"grey16.pgm", pgm16, "PGM (PNM) files are not supported"},
      {"a.ppm", text("P6\n2 2\n255\n0123456789ab"), "PPM (PNM) files are not supported"},
      {"a.pbm", text("P4 8 1\n\xAA"), "PBM (PNM) files are not supported"},
      {"a.bmp", bmp, "BMP files are not supported"},
      {"disguised.png", bmp, "BMP files are not supported"},
      {"a.tga", tga, "TGA files are not supported"},
      {"a.gif", text("GIF89a\x01\0\x01\0\0\0\0;"sv), "GIF files are not supported"},
      {"a.tif", text("II*\0\x08\0\0\0"sv), "TIFF files are not supported"},
      {"a.webp", webp, "WebP files are not supported"},
      {"a.heic", heic, "HEIF files are not supported"},
      {"a.psd", text("8BPS\0\x01"sv), "PSD files are not supported"},
      {"a.hdr", text("#?RADIANCE\n"), "Radiance HDR files are not supported"},
      {"a.png", text("just some text"), "not a PNG or JPEG file"},
  };
  for (const auto& [name, bytes, reason] : cases) {
    write_bytes(dir / name, bytes);
    const std::string message = error_of([&] { ismooth::load_image(dir / name); });
    INFO(name, ": ", message);
    CHECK(contains(message, "cannot read image '" + (dir / name).string() + "': " + reason));
    CHECK(contains(message, "(ismooth reads PNG and JPEG)"));
  }
}

TEST_CASE("image_io: tiny headers claiming huge images fail fast, naming the limit") {
  TempDir dir;
  // PNG: signature and IHDR only (33 bytes); JPEG: SOI and a grey SOF0 (15
  // bytes) or SOI, SOF and more (a decoder that trusted the size would
  // allocate gigabytes before noticing the data is missing).
  const Bytes png = make_png(60000, 60000, 8, 2, {}, 1);
  const Bytes png_header(png.begin(), png.begin() + 33);
  auto sof = [](unsigned w, unsigned h) {
    return Bytes{0xFF,
                 0xD8,
                 0xFF,
                 0xC0,
                 0,
                 11,
                 8,
                 static_cast<unsigned char>(h >> 8),
                 static_cast<unsigned char>(h & 0xFF),
                 static_cast<unsigned char>(w >> 8),
                 static_cast<unsigned char>(w & 0xFF),
                 1,
                 1,
                 0x11,
                 0};
  };
  const std::vector<std::tuple<std::string, Bytes, std::string>> cases = {
      {"huge.png", png_header, "60000x60000 = 3600000000 pixels, more than the limit of 2^28"},
      {"whole_huge.png", png, "more than the limit of 2^28"},
      {"wide.png", make_png(70000, 1, 8, 0, {}, 1),
       "more than the limit of 65500 pixels on a side"},
      {"huge.jpg", sof(60000, 60000),
       "60000x60000 = 3600000000 pixels, more than the limit of 2^28"},
      {"wide.jpg", sof(65535, 1), "more than the limit of 65500 pixels on a side"},
      {"empty.jpg", sof(0, 5), "zero size"},
      {"empty.png", make_png(5, 0, 8, 0, {}, 1), "zero size (5x0)"},
  };
  for (const auto& [name, bytes, reason] : cases) {
    write_bytes(dir / name, bytes);
    const auto start = std::chrono::steady_clock::now();
    const std::string message = error_of([&] { ismooth::load_image(dir / name); });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(name, ": ", message);
    CHECK(contains(message, "'" + (dir / name).string() + "'"));
    CHECK(contains(message, reason));
    CHECK(seconds < 0.5);
  }
}

TEST_CASE("image_io: a progressive JPEG too large for the decoder memory limit is refused") {
  TempDir dir;
  // A real progressive header (tables, first scan) patched to 16000x16000,
  // under the pixel limit: its coefficients would need 1.4 GiB (4:4:4),
  // zero-filled, so refused from the header.
  Bytes rgb = smooth_samples(16, 16, 3);
  Bytes jpg = libjpeg_encode(rgb, 16, 16, JCS_RGB, true);
  const std::size_t sof = find_marker(jpg, 0xC2);
  for (std::size_t at : {sof + 5, sof + 7}) jpg[at] = 16000 >> 8, jpg[at + 1] = 16000 & 0xFF;
  write_bytes(dir / "big_progressive.jpg", jpg);
  const auto start = std::chrono::steady_clock::now();
  const std::string message = error_of([&] { ismooth::load_image(dir / "big_progressive.jpg"); });
  INFO(message);
  CHECK(contains(
      message,
      "16000x16000 progressive JPEG needs 1.4 GiB to decode, more than the limit of 1.0 GiB"));
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 1.0);
}

TEST_CASE("image_io: progressive, grey and baseline JPEGs decode alike") {
  TempDir dir;
  const int w = 40, h = 24;
  const Bytes rgb = smooth_samples(w, h, 3), grey = smooth_samples(w, h, 1);
  write_bytes(dir / "baseline.jpg", libjpeg_encode(rgb, w, h, JCS_RGB, false));
  write_bytes(dir / "progressive.jpg", libjpeg_encode(rgb, w, h, JCS_RGB, true));
  write_bytes(dir / "grey.jpg", libjpeg_encode(grey, w, h, JCS_GRAYSCALE, true));
  const Image<float> baseline = ismooth::load_image(dir / "baseline.jpg");
  const Image<float> progressive = ismooth::load_image(dir / "progressive.jpg");
  REQUIRE(progressive.shape() == Image<float>::shape_type{3, h, w});
  // Same quantised coefficients, sent in several scans: the same pixels.
  CHECK(mismatches(progressive, baseline) == 0);
  double error = 0;
  for (int k = 0; k < w * h; ++k)
    for (int c = 0; c < 3; ++c) error += std::abs(progressive(c, k / w, k % w) - rgb[3 * k + c]);
  CHECK(error / (w * h * 3) < 2.0);
  const Image<float> g = ismooth::load_image(dir / "grey.jpg");
  for (int k = 0; k < w * h; ++k) {
    CHECK(std::abs(g(0, k / w, k % w) - grey[k]) <= 3.0f);
    CHECK(g(1, k / w, k % w) == g(0, k / w, k % w));
    CHECK(g(2, k / w, k % w) == g(0, k / w, k % w));
  }
}

TEST_CASE("image_io: CMYK JPEGs are refused, saying why") {
  TempDir dir;
  write_bytes(dir / "cmyk.jpg", libjpeg_encode(smooth_samples(8, 8, 4), 8, 8, JCS_CMYK, false));
  const std::string message = error_of([&] { ismooth::load_image(dir / "cmyk.jpg"); });
  INFO(message);
  CHECK(contains(message, "CMYK JPEGs are not supported"));
  CHECK(contains(message, "convert it to an RGB PNG or JPEG"));
}

TEST_CASE("image_io: corrupt JPEG data is an error, not garbage pixels") {
  TempDir dir;
  const Bytes jpg = libjpeg_encode(smooth_samples(32, 32, 3), 32, 32, JCS_RGB, false);
  // An over-subscribed Huffman table: 3 codes of length 1 (stb's builder wrote
  // out of bounds on such tables).
  Bytes huffman = jpg;
  huffman[find_marker(jpg, 0xC4) + 5] = 3;
  // Entropy-coded data overwritten mid-scan: bad Huffman codes, and a marker
  // where data should be.
  Bytes scan = jpg;
  const std::size_t sos = find_marker(jpg, 0xDA);
  for (std::size_t i = sos + 20; i < sos + 60; ++i) scan[i] = static_cast<unsigned char>(i * 37);
  Bytes restart = jpg;
  restart[sos + 30] = 0xFF, restart[sos + 31] = 0xD3;
  for (const auto& [name, bytes] : {std::pair{"huffman.jpg", huffman}, std::pair{"scan.jpg", scan},
                                    std::pair{"marker.jpg", restart}}) {
    write_bytes(dir / name, bytes);
    const std::string message = error_of([&] { ismooth::load_image(dir / name); });
    INFO(name, ": ", message);
    CHECK(contains(message, "'" + (dir / name).string() + "': corrupt JPEG (libjpeg: "));
  }
}

TEST_CASE("image_io: corrupt PNG data is an error") {
  TempDir dir;
  ismooth::save_image(random_image(16, 16, 23), dir / "a.png");
  const Bytes png = read_bytes(dir / "a.png");
  Bytes crc = png;
  crc[png.size() - 20] ^= 0x55;  // inside IDAT: its CRC no longer matches
  const std::string message = error_of([&] {
    write_bytes(dir / "crc.png", crc);
    ismooth::load_image(dir / "crc.png");
  });
  CHECK(contains(message, "corrupt PNG (libpng: "));
  // Valid CRCs around bad deflate data: make_png's IDAT starts at byte 33,
  // its zlib stream at 41; byte 43 becomes a block of the reserved type 3.
  Bytes bad = make_png(16, 4, 8, 2, Bytes(16 * 3 * 4, 9), 48);
  bad[43] = 0x06;
  const std::size_t length = std::size_t{bad[33]} << 24 | bad[34] << 16 | bad[35] << 8 | bad[36];
  const std::uint32_t c = crc32(bad.data() + 37, 4 + length);
  for (int k = 0; k < 4; ++k) bad[41 + length + k] = static_cast<unsigned char>(c >> (24 - 8 * k));
  write_bytes(dir / "zlib.png", bad);
  CHECK(
      contains(error_of([&] { ismooth::load_image(dir / "zlib.png"); }), "corrupt PNG (libpng: "));
}

TEST_CASE("image_io: unreadable inputs throw an Error naming the path") {
  TempDir dir;
  const Bytes png = png8(Bytes(64 * 48 * 3, 90), 64, 48, 3);
  Bytes jpg;
  {
    ismooth::save_image(smooth_image(48, 64), dir / "whole.jpg");
    jpg = read_bytes(dir / "whole.jpg");
  }
  write_bytes(dir / "empty.png", {});
  const std::string text = "this is not an image\n";
  write_bytes(dir / "text.png", Bytes(text.begin(), text.end()));
  write_bytes(dir / "half.png", Bytes(png.begin(), png.begin() + png.size() / 2));
  write_bytes(dir / "half.jpg", Bytes(jpg.begin(), jpg.begin() + jpg.size() / 2));
  write_bytes(dir / "zero.png", make_png(0, 4, 8, 0, {}, 1));
  // 16385² grey pixels exceed the limit; the header alone is enough to
  // refuse it, so the missing pixel data never matters.
  write_bytes(dir / "huge.png", make_png(16385, 16385, 8, 0, Bytes(10), 10));
  fs::create_directory(dir / "folder.png");

  const std::vector<std::pair<std::string, std::string>> cases = {{"missing.png", "does not exist"},
                                                                  {"empty.png", "empty"},
                                                                  {"text.png", "not a PNG or JPEG"},
                                                                  {"half.png", "truncated PNG"},
                                                                  {"half.jpg", "truncated JPEG"},
                                                                  {"zero.png", "zero size"},
                                                                  {"huge.png", "2^28"},
                                                                  {"folder.png", "directory"}};
  for (const auto& [name, reason] : cases) {
    const fs::path path = dir / name;
    for (int kind = 0; kind < 2; ++kind) {
      const std::string message = kind == 0 ? error_of([&] { ismooth::load_image(path); })
                                            : error_of([&] { ismooth::load_mask(path); });
      INFO(name, ": ", message);
      CHECK(contains(message, "'" + path.string() + "'"));
      CHECK(contains(message, reason));
    }
  }
}

TEST_CASE("image_io: every truncation of a PNG or a JPEG is refused") {
  TempDir dir;
  const fs::path path = dir / "cut";
  ismooth::save_image(random_image(12, 16, 2), dir / "a.png");
  ismooth::save_image(random_image(12, 16, 2), dir / "a.jpg");
  const Bytes rgb = smooth_samples(24, 16, 3);
  const std::vector<std::pair<std::string, Bytes>> files = {
      {"PNG (libpng)", read_bytes(dir / "a.png")},
      {"PNG (stored deflate)", png8(Bytes(16 * 12 * 3, 77), 16, 12, 3)},
      {"JPEG (baseline)", read_bytes(dir / "a.jpg")},
      {"JPEG (progressive)", libjpeg_encode(rgb, 24, 16, JCS_RGB, true)}};
  // Cut anywhere, even in the last chunk's CRC or the end-of-image marker.
  for (const auto& [kind, bytes] : files) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      write_bytes(path, Bytes(bytes.begin(), bytes.begin() + n));
      const std::string message = error_of([&] { ismooth::load_image(path); });
      INFO(kind, " cut to ", n, " of ", bytes.size(), " bytes: ", message);
      CHECK(contains(message, n == 0 ? "file is empty" : "truncated"));
    }
    write_bytes(path, bytes);
    CHECK_NOTHROW(ismooth::load_image(path));
  }
}

TEST_CASE("image_io: a JPEG's thumbnail or trailing data does not fool the truncation check") {
  TempDir dir;
  ismooth::save_image(smooth_image(48, 64), dir / "main.jpg");
  ismooth::save_image(smooth_image(8, 8), dir / "thumb.jpg");
  const Bytes main = read_bytes(dir / "main.jpg");
  const Bytes thumb = read_bytes(dir / "thumb.jpg");
  const Image<float> expected = ismooth::load_image(dir / "main.jpg");

  // An EXIF-like APP1 segment holding a complete JPEG, with its own FF D9.
  Bytes with_thumb(main.begin(), main.begin() + 2);
  const std::size_t length = 2 + 6 + thumb.size();
  with_thumb.insert(with_thumb.end(),
                    {0xFF, 0xE1, static_cast<unsigned char>(length >> 8),
                     static_cast<unsigned char>(length & 0xFF), 'E', 'x', 'i', 'f', 0, 0});
  with_thumb.insert(with_thumb.end(), thumb.begin(), thumb.end());
  with_thumb.insert(with_thumb.end(), main.begin() + 2, main.end());
  write_bytes(dir / "thumb_whole.jpg", with_thumb);
  CHECK(mismatches(ismooth::load_image(dir / "thumb_whole.jpg"), expected) == 0);
  write_bytes(dir / "thumb_cut.jpg", Bytes(with_thumb.begin(), with_thumb.end() - main.size() / 3));
  const std::string message = error_of([&] { ismooth::load_image(dir / "thumb_cut.jpg"); });
  INFO(message);
  CHECK(contains(message, "truncated JPEG"));

  // Zero padding, and data after the end marker (phones append videos there).
  Bytes padded = main, trailer = main;
  padded.insert(padded.end(), 100, 0);
  const std::string video = "....ftypmp42 not part of the image \xFF\xD8\xFF";
  trailer.insert(trailer.end(), video.begin(), video.end());
  write_bytes(dir / "padded.jpg", padded);
  write_bytes(dir / "trailer.jpg", trailer);
  CHECK(mismatches(ismooth::load_image(dir / "padded.jpg"), expected) == 0);
  CHECK(mismatches(ismooth::load_image(dir / "trailer.jpg"), expected) == 0);
}

TEST_CASE("image_io: saving into a missing directory fails and creates nothing") {
  TempDir dir;
  const fs::path path = dir / "no" / "such" / "out.png";
  const std::string message = error_of([&] { ismooth::save_image(random_image(4, 4, 3), path); });
  INFO(message);
  CHECK(contains(message, "'" + path.string() + "'"));
  CHECK(contains(message, "is not an existing directory"));
  CHECK(dir.entries().empty());
}

TEST_CASE("image_io: a failed save leaves the existing file byte-identical") {
  TempDir dir;
  const fs::path path = dir / "out.png";
  ismooth::save_image(random_image(9, 11, 4), path);
  const Bytes before = read_bytes(path);

  Image<float> nan_image = random_image(9, 11, 5);
  nan_image(1, 2, 3) = std::numeric_limits<float>::quiet_NaN();
  std::string message = error_of([&] { ismooth::save_image(nan_image, path); });
  INFO(message);
  CHECK(contains(message, "'" + path.string() + "'"));
  CHECK(contains(message, "channel 1, row 2, column 3"));

  Image<float> inf_image = random_image(9, 11, 5);
  inf_image(0, 0, 0) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS(ismooth::save_image(inf_image, path), Error);

  const Image<float> grey(Image<float>::shape_type{1, 9, 11}, 5.0f);
  message = error_of([&] { ismooth::save_image(grey, path); });
  CHECK(contains(message, "expected 3 colour channels, got 1"));

  CHECK(read_bytes(path) == before);
  CHECK(dir.entries() == std::vector<std::string>{"out.png"});
}

TEST_CASE("image_io: a write that runs out of space leaves the old file and no temporary") {
  TempDir dir;
  const fs::path path = dir / "out.png";
  ismooth::save_image(random_image(4, 4, 11), path);
  const Bytes before = read_bytes(path);
  std::string message;
  {
    // A file-size limit makes write() fail with EFBIG, as a full disk would.
    struct Limit {
      rlimit old{};
      void (*old_handler)(int);
      Limit() : old_handler(std::signal(SIGXFSZ, SIG_IGN)) {
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit small = old;
        small.rlim_cur = 4096;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
      }
      ~Limit() {
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, old_handler);
      }
    } limit;
    message = error_of([&] { ismooth::save_image(random_image(64, 64, 12), path); });
  }
  INFO(message);
  CHECK(contains(message, "'" + path.string() + "'"));
  CHECK(contains(message, "writing the data failed"));
  CHECK(read_bytes(path) == before);
  CHECK(dir.entries() == std::vector<std::string>{"out.png"});
}

TEST_CASE("image_io: a save whose rename fails removes its temporary file") {
  TempDir dir;
  // A non-empty directory at the target: the rename must fail, even as root.
  fs::create_directories(dir / "out.png");
  write_bytes(dir / "out.png" / "keep", {1, 2, 3});
  const std::string message =
      error_of([&] { ismooth::save_image(random_image(5, 5, 6), dir / "out.png"); });
  INFO(message);
  CHECK(contains(message, "'" + (dir / "out.png").string() + "'"));
  CHECK(fs::is_directory(dir / "out.png"));
  CHECK(read_bytes(dir / "out.png" / "keep") == Bytes{1, 2, 3});
  CHECK(dir.entries() == std::vector<std::string>{"out.png"});
}

TEST_CASE("image_io: saving over an existing file replaces it whole") {
  TempDir dir;
  const fs::path path = dir / "out.png";
  ismooth::save_image(random_image(20, 30, 7), path);
  const Image<float> second = random_image(8, 6, 8);
  ismooth::save_image(second, path);
  CHECK(mismatches(ismooth::load_image(path), second) == 0);
  CHECK(dir.entries() == std::vector<std::string>{"out.png"});
}

TEST_CASE("image_io: an unknown or missing extension is refused, naming it") {
  TempDir dir;
  const Image<float> image = random_image(4, 4, 9);
  for (const char* name : {"out.bmp", "out.tiff", "out"}) {
    const std::string message = error_of([&] { ismooth::save_image(image, dir / name); });
    INFO(message);
    CHECK(contains(message, "'" + (dir / name).string() + "'"));
    const std::string ext = fs::path(name).extension().string();
    CHECK(contains(message,
                   ext.empty() ? "no file extension" : "unsupported extension '" + ext + "'"));
  }
  const std::string message = error_of([&] {
    ismooth::save_mask(Mask(Mask::shape_type{2, 2}, 1), dir / "mask.jpg");
  });
  CHECK(contains(message, "unsupported extension '.jpg'"));
  CHECK(dir.entries().empty());
}

TEST_CASE("image_io: masks round trip through 0/255 grey PNGs") {
  TempDir dir;
  std::mt19937 rng(10);
  Mask mask(Mask::shape_type{23, 31});
  for (auto& v : mask) v = static_cast<std::uint8_t>(rng() % 2);
  REQUIRE(std::count(mask.begin(), mask.end(), 1) > 100);
  const fs::path path = dir / "mask.png";
  ismooth::save_mask(mask, path);
  const Mask back = ismooth::load_mask(path);
  CHECK(mismatches(back, mask) == 0);
  const Image<float> stored = ismooth::load_image(path);
  for (std::size_t y = 0; y < 23; ++y)
    for (std::size_t x = 0; x < 31; ++x)
      for (std::size_t c = 0; c < 3; ++c) CHECK(stored(c, y, x) == 255.0f * mask(y, x));

  Mask bad = mask;
  bad(4, 5) = 2;
  const std::string message = error_of([&] { ismooth::save_mask(bad, path); });
  CHECK(contains(message, "mask value 2 at row 4, column 5"));
  CHECK(mismatches(ismooth::load_mask(path), mask) == 0);
}

TEST_CASE("image_io: load_mask thresholds the first channel above 127") {
  TempDir dir;
  // R decides, whatever G and B say; alpha is ignored.
  const Bytes rgba = {128, 0, 0, 0, 127, 255, 255, 255, 255, 0, 0, 9, 0, 255, 255, 255};
  write_bytes(dir / "rgba.png", png8(rgba, 4, 1, 4));
  write_bytes(dir / "grey.png", png8({0, 127, 128, 255}, 4, 1, 1));
  const Mask expected = {{1, 0, 1, 0}};
  const Mask grey_expected = {{0, 0, 1, 1}};
  CHECK(mismatches(ismooth::load_mask(dir / "rgba.png"), expected) == 0);
  CHECK(mismatches(ismooth::load_mask(dir / "grey.png"), grey_expected) == 0);
}

TEST_CASE_TEMPLATE("image_io: save_image clamps to [0, 255] and rounds to nearest", Scalar, float,
                   double) {
  TempDir dir;
  const std::vector<Scalar> in = {-5, 0.4, 0.6, 254.5, 300, 127.5, 0.5, 99.49};
  const std::vector<float> out = {0, 0, 1, 255, 255, 128, 1, 99};
  Image<Scalar> image = ismooth::make_image<Scalar>(1, in.size());
  for (std::size_t k = 0; k < in.size(); ++k)
    for (std::size_t c = 0; c < 3; ++c) image(c, 0, k) = in[k];
  ismooth::save_image(image, dir / "clamp.png");
  const Image<float> back = ismooth::load_image(dir / "clamp.png");
  for (std::size_t k = 0; k < in.size(); ++k)
    for (std::size_t c = 0; c < 3; ++c) CHECK(back(c, 0, k) == out[k]);
}

TEST_CASE("image_io: save_plane maps value*scale, clamped and rounded") {
  TempDir dir;
  const Plane<double> plane = {{0.0, 10.2, 100.0}, {200.0, -3.0, 63.75}};
  ismooth::save_plane(plane, dir / "plane.png", 2.0);
  const Image<float> back = ismooth::load_image(dir / "plane.png");
  const float expected[2][3] = {{0, 20, 200}, {255, 0, 128}};
  REQUIRE(back.shape() == Image<float>::shape_type{3, 2, 3});
  for (std::size_t y = 0; y < 2; ++y)
    for (std::size_t x = 0; x < 3; ++x)
      for (std::size_t c = 0; c < 3; ++c) CHECK(back(c, y, x) == expected[y][x]);

  const Plane<float> unit = {{0.25f, 0.5f}};
  ismooth::save_plane(unit, dir / "unit.jpg", 255.0);  // grey JPEG
  const Image<float> jpeg = ismooth::load_image(dir / "unit.jpg");
  CHECK(std::abs(jpeg(0, 0, 0) - 64.0f) <= 3.0f);
  CHECK(std::abs(jpeg(2, 0, 1) - 128.0f) <= 3.0f);

  Plane<double> nan_plane = plane;
  nan_plane(1, 2) = std::nan("");
  std::string message = error_of([&] { ismooth::save_plane(nan_plane, dir / "nan.png"); });
  CHECK(contains(message, "row 1, column 2 is not finite"));
  message = error_of([&] { ismooth::save_plane(plane, dir / "inf.png", HUGE_VAL); });
  CHECK(contains(message, "scale"));
  CHECK(!fs::exists(dir / "nan.png"));
  CHECK(!fs::exists(dir / "inf.png"));
}
