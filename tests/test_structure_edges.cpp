// Tests of include/ismooth/structure_edges.hpp (docs/spec/energy.md §8) on synthetic
// images and hand-made candidate maps, plus the comparison of E, B and the
// texture map (§3, §8, §9) with the independent numpy reference in
// tests/reference/edges_reference.py on real photos.
#include <doctest/doctest.h>
#include <omp.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "ismooth/structure_edges.hpp"
#include "ismooth/texture_map.hpp"

namespace {

using ismooth::Image;
using ismooth::Mask;
using ismooth::Plane;

/// A grey image whose value at (y, x) is f(y, x), all three channels equal.
Image<double> grey(std::size_t h, std::size_t w, const std::function<double(long, long)>& f) {
  Image<double> image = ismooth::make_image<double>(h, w);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      for (std::size_t c = 0; c < 3; ++c) image(c, y, x) = f(long(y), long(x));
  return image;
}

Mask empty_mask(std::size_t h, std::size_t w) {
  Mask m(Mask::shape_type{h, w});
  m.fill(0);
  return m;
}

long count(const Mask& m) {
  long n = 0;
  for (auto v : m) n += v != 0;
  return n;
}

long mismatches(const Mask& a, const Mask& b) {
  long n = 0;
  for (std::size_t k = 0; k < a.size(); ++k) n += (a.data()[k] != 0) != (b.data()[k] != 0);
  return n;
}

}  // namespace

// ---------------------------------------------------------------- selection

TEST_CASE("structure_edges: candidate count must exceed 200 with a strict difference") {
  // A 21x21 E plane is exactly the window of its centre (10, 10): 440 other
  // pixels. Centre E = 50 (25 < E < 60, so diff > 20 counts). Pixels at 30
  // differ by exactly 20 and do not count; pixels at 0 do.
  auto centre_with = [](double centre, double other, int n_other) {
    Plane<double> e(Plane<double>::shape_type{21, 21});
    e.fill(0);
    int placed = 0;
    for (std::size_t k = 0; k < e.size() && placed < n_other; ++k) {
      if (k == 10 * 21 + 10) continue;
      e.data()[k] = other;
      ++placed;
    }
    e(10, 10) = centre;
    return ismooth::structure_edge_candidates(e)(10, 10);
  };
  CHECK(centre_with(50, 30, 240) == 0);    // count = 440 − 240 = 200: not > 200
  CHECK(centre_with(50, 30, 239) == 1);    // count = 201
  CHECK(centre_with(50, 29.5, 440) == 1);  // diff 20.5 > 20 everywhere: 440
  // E ≥ 60 uses diff > 30: a difference of 25 no longer counts.
  CHECK(centre_with(59.5, 34.5, 440) == 1);  // E < 60: diff 25 > 20
  CHECK(centre_with(60, 35, 440) == 0);      // E = 60: diff 25 is not > 30
  CHECK(centre_with(60, 29.5, 440) == 1);    // diff 30.5 > 30
  CHECK(centre_with(60, 30, 440) == 0);      // diff exactly 30
  // E ≤ 25 is never a candidate, whatever the window holds.
  CHECK(centre_with(25, 0, 440) == 0);
  CHECK(centre_with(25.5, 0, 440) == 1);
  // The centre itself never counts: with diff_low = −1 every j satisfies
  // E_i − E_j = 0 > −1, giving exactly 440, which does not exceed 440.
  {
    ismooth::StructureEdgeOptions options;
    options.diff_low = -1;
    options.min_count = 440;
    Plane<double> flat(Plane<double>::shape_type{21, 21});
    flat.fill(50);
    CHECK(ismooth::structure_edge_candidates(flat, options)(10, 10) == 0);
    options.min_count = 439;
    CHECK(ismooth::structure_edge_candidates(flat, options)(10, 10) == 1);
  }
  // float gives the same answers on these exactly representable values.
  Plane<float> f(Plane<float>::shape_type{21, 21});
  f.fill(30.0f);
  f(10, 10) = 50.0f;
  CHECK(ismooth::structure_edge_candidates(f)(10, 10) == 0);
}

TEST_CASE("structure_edges: windows are clipped at the image border") {
  // In the corner only 11x11 − 1 = 120 pixels are in the window: never > 200.
  Plane<double> e(Plane<double>::shape_type{30, 30});
  e.fill(0);
  e(0, 0) = 100;
  e(0, 15) = 100;  // top edge: 11x21 − 1 = 230 pixels, all with diff 100 > 30
  const Mask c = ismooth::structure_edge_candidates(e);
  CHECK(c(0, 0) == 0);
  CHECK(c(0, 15) == 1);
  CHECK(count(c) == 1);
}

// ---------------------------------------------------------------- chains

TEST_CASE("structure_edges: chain lengths follow the first candidate in the specified order") {
  // From (x=10, y=0) the vertical chain tries (9,1) before (11,1). (9,1) is a
  // dead end; (11,1..30) is a long column.
  Mask m = empty_mask(40, 20);
  m(0, 10) = 1;
  m(1, 9) = 1;
  for (int y = 1; y <= 30; ++y) m(y, 11) = 1;
  CHECK(ismooth::chain_lengths(m, 0, 10).vertical == 1);
  m(1, 9) = 0;
  CHECK(ismooth::chain_lengths(m, 0, 10).vertical == 25);  // capped at max_steps
  CHECK(ismooth::chain_lengths(m, 0, 10, 40).vertical == 30);
  // From the middle of the column: 25 down is not possible (15 left), 14 up + (10, 0).
  const auto mid = ismooth::chain_lengths(m, 15, 11);
  CHECK(mid.vertical == 15 + 15);
  CHECK(mid.horizontal == 0);
  // Diagonal forward tries (x, y+1) second, anti-diagonal backward likewise:
  // both follow a vertical column too.
  CHECK(mid.diagonal == 15 + 15);       // backward ends with (x−1, y−1) = (10, 0)
  CHECK(mid.anti_diagonal == 14 + 15);  // forward cannot step to x − 1
}

TEST_CASE("structure_edges: removal rule at the 20-pixel boundary") {
  SUBCASE("a vertical line of 21 candidates is kept, one of 20 is removed") {
    for (int length : {20, 21}) {
      Mask m = empty_mask(40, 10);
      for (int y = 5; y < 5 + length; ++y) m(y, 4) = 1;
      const Mask b = ismooth::filter_short_segments(m);
      CAPTURE(length);
      CHECK(count(b) == (length == 21 ? 21 : 0));
    }
  }
  SUBCASE("anti-diagonal chains need > 20, diagonal ones >= 20") {
    // Ascending staircase: 11 pixels right along y = 20, then 10 up along
    // x = 10. From its start (0, 20): horizontal = diagonal = 10, vertical =
    // 0, anti-diagonal = 20, which is not > 20: removed.
    Mask up = empty_mask(30, 30);
    for (int x = 0; x <= 10; ++x) up(20, x) = 1;
    for (int y = 10; y <= 19; ++y) up(y, 10) = 1;
    const auto lengths = ismooth::chain_lengths(up, 20, 0);
    CHECK(lengths.vertical == 0);
    CHECK(lengths.horizontal == 10);
    CHECK(lengths.diagonal == 10);
    CHECK(lengths.anti_diagonal == 20);
    CHECK(ismooth::filter_short_segments(up)(20, 0) == 0);
    up(9, 10) = 1;  // one more step: 21 > 20, kept
    CHECK(ismooth::filter_short_segments(up)(20, 0) == 1);

    // The mirror image (descending) has diagonal = 20 >= 20: kept.
    Mask down = empty_mask(30, 30);
    for (int x = 0; x <= 10; ++x) down(5, x) = 1;
    for (int y = 6; y <= 15; ++y) down(y, 10) = 1;
    CHECK(ismooth::chain_lengths(down, 5, 0).diagonal == 20);
    CHECK(ismooth::filter_short_segments(down)(5, 0) == 1);
    down(15, 10) = 0;  // diagonal 19: removed
    CHECK(ismooth::filter_short_segments(down)(5, 0) == 0);
  }
  SUBCASE("filtering decides every pixel on the unmodified candidates") {
    // A random map dense enough for chains to branch: our result must be the
    // rule applied to the input's chain lengths, pixel by pixel, and must
    // differ from the authors' in-place raster scan (which would read its own
    // removals), or this test would not show anything.
    Mask m = empty_mask(60, 70);
    std::uint32_t state = 99;
    for (auto& v : m) {
      state = state * 1664525u + 1013904223u;
      v = (state >> 24) < 110 ? 1 : 0;
    }
    auto keep = [](const ismooth::ChainLengths& l) {
      return l.vertical >= 20 || l.horizontal >= 20 || l.diagonal >= 20 || l.anti_diagonal > 20;
    };
    const Mask b = ismooth::filter_short_segments(m);
    Mask in_place = m;
    long removed = 0, kept = 0, wrong = 0;
    for (std::size_t y = 0; y < 60; ++y) {
      for (std::size_t x = 0; x < 70; ++x) {
        if (m(y, x) == 0) {
          wrong += b(y, x) != 0;
          continue;
        }
        const bool k = keep(ismooth::chain_lengths(m, y, x));
        wrong += b(y, x) != (k ? 1 : 0);
        (k ? kept : removed) += 1;
        if (!keep(ismooth::chain_lengths(in_place, y, x))) in_place(y, x) = 0;
      }
    }
    CHECK(wrong == 0);
    CHECK(kept > 100);
    CHECK(removed > 100);
    CHECK(mismatches(b, in_place) > 0);
  }
}

// ---------------------------------------------------------------- synthetic images

TEST_CASE("structure_edges: a long vertical step edge is kept over its whole length") {
  // Left 0, right 200 from column 40. E = 400 at columns 39, 40 (300 on the
  // first and last row), 100 at columns 38 and 41, 0 elsewhere. Columns 38 and
  // 41 on rows 0 and 79 see only 11x21 − 1 = 230 window pixels of which 43
  // have E ≥ 70 (diff ≤ 30): count 187 ≤ 200, so they are not candidates.
  const auto image = grey(80, 80, [](long, long x) { return x >= 40 ? 200.0 : 0.0; });
  const Mask b = ismooth::structure_edges(image);
  Mask expected = empty_mask(80, 80);
  for (long y = 0; y < 80; ++y) {
    expected(y, 39) = expected(y, 40) = 1;
    if (y >= 1 && y <= 78) expected(y, 38) = expected(y, 41) = 1;
  }
  CHECK(mismatches(b, expected) == 0);
  CHECK(count(b) == 2 * 80 + 2 * 78);
}

TEST_CASE("structure_edges: a long horizontal step edge is kept") {
  const auto image = grey(80, 80, [](long y, long) { return y >= 40 ? 200.0 : 0.0; });
  const Mask b = ismooth::structure_edges(image);
  Mask expected = empty_mask(80, 80);
  for (long x = 0; x < 80; ++x) {
    expected(39, x) = expected(40, x) = 1;
    if (x >= 1 && x <= 78) expected(38, x) = expected(41, x) = 1;
  }
  CHECK(mismatches(b, expected) == 0);
}

TEST_CASE("structure_edges: long diagonal and anti-diagonal edges are kept") {
  for (bool anti : {false, true}) {
    CAPTURE(anti);
    const auto image =
        grey(80, 80, [anti](long y, long x) { return (anti ? x + y > 79 : x > y) ? 200.0 : 0.0; });
    const Mask b = ismooth::structure_edges(image);
    long on_edge = 0, on_edge_kept = 0, far_kept = 0;
    for (long y = 0; y < 80; ++y) {
      for (long x = 0; x < 80; ++x) {
        const long offset = anti ? std::abs(x + y - 79) : std::abs(x - y);
        // Near the image corners the clipped window holds too few lower-E
        // pixels (count ≤ 200), so the ends of the line are not candidates.
        if (offset <= 1 && x >= 8 && x <= 71) {
          ++on_edge;
          on_edge_kept += b(y, x);
        }
        if (offset > 4) far_kept += b(y, x);
      }
    }
    CHECK(on_edge == 3 * 64);
    CHECK(on_edge_kept == on_edge);  // every pixel next to the edge line is kept
    CHECK(far_kept == 0);
  }
}

TEST_CASE("structure_edges: specks, small blobs and short segments are removed") {
  const auto image = grey(100, 100, [](long y, long x) {
    const bool speck = (y == 15 && x == 15) || (y == 70 && x == 25);
    const bool blob = y >= 40 && y <= 42 && x >= 60 && x <= 62;
    const bool short_vertical = x == 80 && y >= 70 && y < 78;    // length 8
    const bool short_horizontal = y == 15 && x >= 50 && x < 58;  // length 8
    return speck || blob || short_vertical || short_horizontal ? 200.0 : 0.0;
  });
  const auto e = ismooth::edge_response(image);
  const Mask candidates = ismooth::structure_edge_candidates(e);
  CHECK(candidates(15, 15) == 1);  // they are candidates ...
  CHECK(candidates(41, 61) == 1);
  CHECK(candidates(74, 80) == 1);
  CHECK(count(candidates) > 100);
  CHECK(count(ismooth::structure_edges(e)) == 0);  // ... but no chain is long enough
}

TEST_CASE("structure_edges: a 30-pixel line survives, an 8-pixel one does not") {
  const auto image = grey(100, 60, [](long y, long x) {
    return (x == 15 && y >= 20 && y < 50) || (x == 45 && y >= 20 && y < 28) ? 200.0 : 0.0;
  });
  const Mask b = ismooth::structure_edges(image);
  long long_kept = 0, short_kept = 0;
  for (long y = 0; y < 100; ++y) {
    long_kept += b(y, 15);
    for (long x = 40; x < 51; ++x) short_kept += b(y, x);
  }
  CHECK(long_kept >= 30);
  CHECK(short_kept == 0);
}

TEST_CASE("structure_edges: identical for 1 and 2 threads") {
  std::uint32_t state = 7;
  const auto image = grey(97, 113, [&state](long y, long x) {
    state = state * 1664525u + 1013904223u;
    const double noise = double((state >> 20) % 40);
    const bool disc = (y - 40) * (y - 40) + (x - 50) * (x - 50) < 900;
    const bool bar = x > 80 && x < 90;
    return noise + (disc ? 150.0 : 0.0) + (bar ? 90.0 : 0.0);
  });
  const auto e = ismooth::edge_response(image);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const Mask c1 = ismooth::structure_edge_candidates(e);
  const Mask b1 = ismooth::filter_short_segments(c1);
  omp_set_num_threads(2);
  const Mask c2 = ismooth::structure_edge_candidates(e);
  const Mask b2 = ismooth::filter_short_segments(c2);
  omp_set_num_threads(saved);
  CHECK(count(b1) > 100);
  CHECK(mismatches(c1, c2) == 0);
  CHECK(mismatches(b1, b2) == 0);
}

TEST_CASE("structure_edges: options are validated") {
  ismooth::StructureEdgeOptions options;
  options.window_radius = -1;
  Plane<double> e(Plane<double>::shape_type{5, 5});
  e.fill(0);
  CHECK_THROWS_AS(ismooth::structure_edge_candidates(e, options), ismooth::Error);
  options = {};
  options.max_steps = -3;
  CHECK_THROWS_AS(ismooth::filter_short_segments(empty_mask(5, 5), options), ismooth::Error);
}

// ---------------------------------------------------------------- numpy reference

namespace {

std::filesystem::path reference_script() {
  // tests/data may not exist: take its parent lexically, not through "..".
#ifdef ISMOOTH_TEST_DATA_DIR
  const std::filesystem::path tests = std::filesystem::path(ISMOOTH_TEST_DATA_DIR).parent_path();
#else
  const std::filesystem::path tests = std::filesystem::path(__FILE__).parent_path();
#endif
  return tests / "reference" / "edges_reference.py";
}

template <class T>
std::vector<T> read_raw(const std::filesystem::path& file, std::size_t n) {
  std::vector<T> data(n);
  std::ifstream in(file, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open ", file.string());
  in.read(reinterpret_cast<char*>(data.data()), std::streamsize(n * sizeof(T)));
  REQUIRE_MESSAGE(in.gcount() == std::streamsize(n * sizeof(T)), "short file ", file.string());
  return data;
}

Mask to_mask(const std::vector<std::uint8_t>& v, std::size_t h, std::size_t w) {
  Mask m(Mask::shape_type{h, w});
  std::copy(v.begin(), v.end(), m.begin());
  return m;
}

/// Mismatching pixels of two 0/1 maps, and agreement relative to the pixels
/// that are 1 in either map (the "edge pixels").
struct Agreement {
  long mismatches = 0, ones = 0;
  double fraction() const { return ones == 0 ? 1.0 : 1.0 - double(mismatches) / double(ones); }
};

Agreement agreement(const Mask& ours, const Mask& reference) {
  Agreement a;
  for (std::size_t k = 0; k < ours.size(); ++k) {
    const bool o = ours.data()[k] != 0, r = reference.data()[k] != 0;
    a.mismatches += o != r;
    a.ones += o || r;
  }
  return a;
}

template <class Scalar>
void compare_with_reference(const std::string& name, const Image<Scalar>& image,
                            const std::vector<double>& ref_e, const Mask& ref_cand,
                            const Mask& ref_b, const Mask& ref_tex, double min_agreement) {
  const auto e = ismooth::edge_response(image);
  double worst = 0;
  for (std::size_t k = 0; k < e.size(); ++k)
    worst = std::max(worst, std::abs(double(e.data()[k]) - ref_e[k]));
  const Mask cand = ismooth::structure_edge_candidates(e);
  const Mask b = ismooth::filter_short_segments(cand);
  const Mask tex = ismooth::texture_map(image, e);
  const Agreement ac = agreement(cand, ref_cand), ab = agreement(b, ref_b),
                  at = agreement(tex, ref_tex);
  const std::string type = sizeof(Scalar) == 4 ? "float" : "double";
  MESSAGE(name, " (", type, "): max |E - E_ref| = ", worst, "; candidates ", count(cand), " vs ",
          count(ref_cand), ", ", ac.mismatches, " mismatches (", 100 * ac.fraction(), "%); B ",
          count(b), " vs ", count(ref_b), ", ", ab.mismatches, " mismatches (", 100 * ab.fraction(),
          "%); texture ", count(tex), " vs ", count(ref_tex), ", ", at.mismatches, " mismatches (",
          100 * at.fraction(), "%)");
  CHECK(worst < 1e-3);
  CHECK(count(ref_b) > 1000);  // the photo really has structure edges
  CHECK(ac.fraction() >= min_agreement);
  CHECK(ab.fraction() >= min_agreement);
  CHECK(at.fraction() >= min_agreement);
}

}  // namespace

TEST_CASE("structure_edges: E, B and texture agree with the numpy reference on photos") {
  const std::filesystem::path script = reference_script();
  const std::filesystem::path photos = "/usr/lib/python3/dist-packages/skimage/data";
  if (std::system("/usr/bin/python3 -c 'import numpy, PIL' > /dev/null 2>&1") != 0) {
    MESSAGE("skipped: /usr/bin/python3 with numpy and PIL is not available");
    return;
  }
  if (!std::filesystem::exists(photos / "astronaut.png")) {
    MESSAGE("skipped: scikit-image's sample photos are not installed (", photos.string(), ")");
    return;
  }
  REQUIRE(std::filesystem::exists(script));
  const auto dir =
      std::filesystem::temp_directory_path() / ("ismooth_edges_ref_" + std::to_string(::getpid()));
  struct Photo {
    std::string file, crop;
  };
  for (const Photo& photo : {Photo{"astronaut.png", ""}, Photo{"coffee.png", ""}}) {
    const auto out = dir / photo.file;
    const std::string command = "/usr/bin/python3 '" + script.string() + "' '" +
                                (photos / photo.file).string() + "' '" + out.string() + "'" +
                                photo.crop + " > /dev/null";
    REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "failed: ", command);
    std::size_t h = 0, w = 0;
    std::ifstream(out / "shape.txt") >> h >> w;
    REQUIRE(h * w > 0);
    const auto rgb = read_raw<std::uint8_t>(out / "rgb.u8", h * w * 3);
    Image<double> image = ismooth::make_image<double>(h, w);
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x)
        for (std::size_t c = 0; c < 3; ++c) image(c, y, x) = rgb[(y * w + x) * 3 + c];
    const auto ref_e = read_raw<double>(out / "E.f64", h * w);
    const Mask ref_cand = to_mask(read_raw<std::uint8_t>(out / "candidates.u8", h * w), h, w);
    const Mask ref_b = to_mask(read_raw<std::uint8_t>(out / "B.u8", h * w), h, w);
    const Mask ref_tex = to_mask(read_raw<std::uint8_t>(out / "texture.u8", h * w), h, w);
    // Both compare on 6·E, exact integers here, as the reference does: no
    // tie may be decided differently, in double or in float.
    compare_with_reference(photo.file, image, ref_e, ref_cand, ref_b, ref_tex, 1.0);
    const Image<float> image_f = ismooth::image_cast<float>(image);
    compare_with_reference(photo.file, image_f, ref_e, ref_cand, ref_b, ref_tex, 1.0);
    CHECK(mismatches(ismooth::structure_edges(image_f), ref_b) == 0);
  }
  std::filesystem::remove_all(dir);
}
