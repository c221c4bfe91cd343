#include <doctest/doctest.h>

#include "test_support.hpp"
#include <stb/stb_image_write.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ismooth/image_io.hpp"

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


void append(void* context, void* data, int size) {
  auto* out = static_cast<Bytes*>(context);
  const auto* b = static_cast<const unsigned char*>(data);
  out->insert(out->end(), b, b + size);
}

/// A fixture encoded by stb itself from interleaved 8-bit samples.
Bytes stb_png(const Bytes& px, int w, int h, int comp) {
  Bytes out;
  REQUIRE(stbi_write_png_to_func(append, &out, w, h, comp, px.data(), w * comp));
  return out;
}

// A minimal PNG encoder (stored deflate blocks), because stb_image_write
// cannot write 16-bit PNGs and cannot write the broken headers we test.
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
/// `rows`: the scanlines without filter bytes (filter 0 is added).
Bytes make_png(std::uint32_t w, std::uint32_t h, int depth, int colour_type, const Bytes& rows,
               std::size_t row_bytes) {
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
  chunk(png, "IDAT", z);
  chunk(png, "IEND", {});
  return png;
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
  write_bytes(dir / "grey.png", stb_png(grey, w, h, 1));
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
  write_bytes(dir / "rgba.png", stb_png(rgba, w, h, 4));
  write_bytes(dir / "ga.png", stb_png(grey_alpha, w, h, 2));
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

TEST_CASE("image_io: other formats stb reads load too (BMP, TGA)") {
  TempDir dir;
  const int w = 6, h = 4;
  Bytes rgb(w * h * 3);
  for (std::size_t k = 0; k < rgb.size(); ++k) rgb[k] = static_cast<unsigned char>(k * 11);
  Bytes bmp, tga;
  REQUIRE(stbi_write_bmp_to_func(append, &bmp, w, h, 3, rgb.data()));
  REQUIRE(stbi_write_tga_to_func(append, &tga, w, h, 3, rgb.data()));
  write_bytes(dir / "a.bmp", bmp);
  write_bytes(dir / "a.tga", tga);
  for (const char* name : {"a.bmp", "a.tga"}) {
    const Image<float> image = ismooth::load_image(dir / name);
    REQUIRE(image.shape() == Image<float>::shape_type{3, h, w});
    for (int k = 0; k < w * h; ++k)
      for (int c = 0; c < 3; ++c) CHECK(image(c, k / w, k % w) == rgb[3 * k + c]);
  }
}

TEST_CASE("image_io: unreadable inputs throw an Error naming the path") {
  TempDir dir;
  const Bytes png = stb_png(Bytes(64 * 48 * 3, 90), 64, 48, 3);
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
  // 16385² grey pixels pass stb's own limits but exceed ours; the header
  // alone is enough to refuse it, so the missing pixel data never matters.
  write_bytes(dir / "huge.png", make_png(16385, 16385, 8, 0, Bytes(10), 10));
  fs::create_directory(dir / "folder.png");

  const std::vector<std::pair<std::string, std::string>> cases = {{"missing.png", "does not exist"},
                                                                  {"empty.png", "empty"},
                                                                  {"text.png", "stb_image: "},
                                                                  {"half.png", "stb_image: "},
                                                                  {"half.jpg", "truncated JPEG"},
                                                                  {"zero.png", "stb_image: "},
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
  const Bytes png = stb_png(Bytes(16 * 12 * 3, 77), 16, 12, 3);
  // stb never reads the IEND chunk's CRC, so losing only those 4 bytes loses no pixel.
  for (std::size_t n = 0; n + 4 < png.size(); ++n) {
    write_bytes(path, Bytes(png.begin(), png.begin() + n));
    INFO("PNG cut to ", n, " of ", png.size(), " bytes");
    CHECK_THROWS_AS(ismooth::load_image(path), Error);
  }
  ismooth::save_image(random_image(12, 16, 2), dir / "a.jpg");
  const Bytes jpg = read_bytes(dir / "a.jpg");
  for (std::size_t n = 0; n < jpg.size(); ++n) {
    write_bytes(path, Bytes(jpg.begin(), jpg.begin() + n));
    INFO("JPEG cut to ", n, " of ", jpg.size(), " bytes");
    CHECK_THROWS_AS(ismooth::load_image(path), Error);
  }
  write_bytes(path, jpg);
  CHECK_NOTHROW(ismooth::load_image(path));
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
  write_bytes(dir / "rgba.png", stb_png(rgba, 4, 1, 4));
  write_bytes(dir / "grey.png", stb_png({0, 127, 128, 255}, 4, 1, 1));
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
