#pragma once
/// \file
/// Procedural test scenes whose right answer is known, for the texture-removal
/// and content-aware benchmarks and the saliency detector's tests
/// (docs/applications.md). Deterministic: a scene is a function of its
/// seed and size only — the random numbers are std::mt19937_64's raw output
/// (specified bit-exactly by the C++ standard) mapped to [0, 1) by hand, not
/// through <random>'s distributions, whose results differ between standard
/// libraries.
///
/// - texture_scene: piecewise-smooth *structure* (a two-colour gradient
///   background and three flat shapes, rectangles or discs) with a
///   repetitive grey *texture* added per region (stripes at an angle,
///   checks or dots; period 4–12 px, amplitude 12–30 grey levels; never
///   clipped). The answer is the structure; its region boundaries are where
///   an edge-keeping filter must stay sharp.
/// - content_scene: a saturated, finely textured elliptical *subject* over a
///   desaturated background carrying a coarse, contrasted texture. The answer
///   is the subject's mask: background smoothing should remove the
///   background's detail and keep the subject's.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth::scenes {

/// Uniform numbers from a seed, the same on every platform (\file).
class SceneRandom {
 public:
  explicit SceneRandom(std::uint64_t seed) : engine_(seed) {}
  /// Uniform in [0, 1), 53 bits.
  double unit() { return double(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  /// Uniform integer in [lo, hi].
  long integer(long lo, long hi) {
    return lo + std::min(long(unit() * double(hi - lo + 1)), hi - lo);
  }

 private:
  std::mt19937_64 engine_;
};

/// A repetitive zero-mean grey pattern: stripes at `angle`, checks or dots,
/// of `period` pixels and amplitude ±`amplitude`.
struct TexturePattern {
  enum class Kind { stripes, checks, dots } kind = Kind::stripes;
  double period = 8, amplitude = 20, angle = 0, phase = 0;

  /// A pattern drawn from `random` within the ranges of \file.
  static TexturePattern draw(SceneRandom& random, double min_period, double max_period,
                             double min_amplitude, double max_amplitude) {
    TexturePattern p;
    p.kind = Kind(random.integer(0, 2));
    p.period = random.uniform(min_period, max_period);
    p.amplitude = random.uniform(min_amplitude, max_amplitude);
    p.angle = random.uniform(0, std::numbers::pi);
    p.phase = random.uniform(0, 1);
    return p;
  }

  /// The pattern at pixel (y, x), in [−amplitude, amplitude].
  double at(double y, double x) const {
    const double two_pi = 2 * std::numbers::pi;
    const double u = (x * std::cos(angle) + y * std::sin(angle)) / period + phase;
    const double v = (-x * std::sin(angle) + y * std::cos(angle)) / period + phase;
    switch (kind) {
      case Kind::stripes:
        return amplitude * std::sin(two_pi * u);
      case Kind::checks:
        return amplitude * ((long(std::floor(u)) + long(std::floor(v))) % 2 == 0 ? 1.0 : -1.0);
      case Kind::dots: {
        const double du = u - std::floor(u) - 0.5, dv = v - std::floor(v) - 0.5;
        return du * du + dv * dv < 0.09 ? amplitude : -0.4 * amplitude;
      }
    }
    return 0;
  }
};

/// A texture-removal scene (\file).
struct TextureScene {
  Image<float> image;      ///< structure + texture, (3, H, W), 0–255
  Image<float> structure;  ///< the answer: the structure alone
  Mask boundaries;         ///< 1 on pixels whose 4-neighbour lies in another region
};

/// A content-aware scene (\file).
struct ContentScene {
  Image<float> image;  ///< (3, H, W), 0–255
  Mask subject;        ///< the answer: 1 on the subject
};

namespace detail {

inline void check_scene_size(std::size_t h, std::size_t w, const char* what) {
  require(h >= 16 && w >= 16 && h <= 8192 && w <= 8192, what, ": size ", w, "x", h,
          " must be between 16x16 and 8192x8192");
}

/// 1 where a 4-neighbour has another label.
inline Mask label_boundaries(const std::vector<int>& label, std::size_t h, std::size_t w) {
  Mask out(typename Mask::shape_type{h, w});
  out.fill(0);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const int l = label[y * w + x];
      const bool edge = (x + 1 < w && label[y * w + x + 1] != l) ||
                        (x > 0 && label[y * w + x - 1] != l) ||
                        (y + 1 < h && label[(y + 1) * w + x] != l) ||
                        (y > 0 && label[(y - 1) * w + x] != l);
      out(y, x) = edge ? 1 : 0;
    }
  return out;
}

}  // namespace detail

/// Scene `seed` of the texture benchmark, H × W (≥ 16).
inline TextureScene texture_scene(std::uint64_t seed, std::size_t h = 128, std::size_t w = 128) {
  detail::check_scene_size(h, w, "texture_scene");
  SceneRandom random(seed * 2 + 1);
  auto colour = [&] {
    return std::array<double, 3>{random.uniform(60, 195), random.uniform(60, 195),
                                 random.uniform(60, 195)};
  };
  const auto c0 = colour(), c1 = colour();
  const double angle = random.uniform(0, 2 * std::numbers::pi);
  struct Shape {
    bool disc;
    double cy, cx, ry, rx;
    std::array<double, 3> colour;
  };
  std::vector<Shape> shapes;
  for (int i = 0; i < 3; ++i) {
    Shape s;
    s.disc = random.unit() < 0.5;
    s.cy = random.uniform(0.2, 0.8) * double(h);
    s.cx = random.uniform(0.2, 0.8) * double(w);
    s.ry = random.uniform(0.12, 0.25) * double(h);
    s.rx = random.uniform(0.12, 0.25) * double(w);
    s.colour = colour();
    shapes.push_back(s);
  }
  std::vector<TexturePattern> patterns;
  for (int i = 0; i < 4; ++i) patterns.push_back(TexturePattern::draw(random, 4, 12, 12, 30));

  TextureScene scene;
  scene.image = make_image<float>(h, w);
  scene.structure = make_image<float>(h, w);
  std::vector<int> label(h * w, 0);
  const double ca = std::cos(angle), sa = std::sin(angle);
  const double diag = std::hypot(double(h), double(w));
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      // Later shapes cover earlier ones.
      int l = 0;
      for (int i = 0; i < 3; ++i) {
        const Shape& s = shapes[std::size_t(i)];
        const double dy = (double(y) - s.cy) / s.ry, dx = (double(x) - s.cx) / s.rx;
        if (s.disc ? dy * dy + dx * dx <= 1 : std::abs(dy) <= 1 && std::abs(dx) <= 1) l = i + 1;
      }
      label[y * w + x] = l;
      const double t =
          0.5 + ((double(x) - 0.5 * double(w)) * ca + (double(y) - 0.5 * double(h)) * sa) / diag;
      const double tex = patterns[std::size_t(l)].at(double(y), double(x));
      for (std::size_t c = 0; c < 3; ++c) {
        const double base = l == 0 ? (1 - t) * c0[c] + t * c1[c] : shapes[std::size_t(l - 1)].colour[c];
        scene.structure(c, y, x) = float(base);
        scene.image(c, y, x) = float(base + tex);  // 60..195 ± 30: never clipped
      }
    }
  scene.boundaries = detail::label_boundaries(label, h, w);
  return scene;
}

/// Scene `seed` of the content-aware benchmark, H × W (≥ 16).
inline ContentScene content_scene(std::uint64_t seed, std::size_t h = 128, std::size_t w = 128) {
  detail::check_scene_size(h, w, "content_scene");
  SceneRandom random(seed * 2 + 2);
  // Background: a desaturated grey-green/blue gradient with a coarse texture.
  const double g0 = random.uniform(90, 140), g1 = random.uniform(90, 140);
  const double tint = random.uniform(-15, 15);
  const TexturePattern background = TexturePattern::draw(random, 6, 12, 22, 32);
  // Subject: a saturated warm colour with a fine, weaker texture.
  const std::array<double, 3> subject{random.uniform(200, 230), random.uniform(60, 120),
                                      random.uniform(30, 70)};
  const TexturePattern detail_pattern = TexturePattern::draw(random, 3, 5, 8, 14);
  const double cy = random.uniform(0.42, 0.58) * double(h), cx = random.uniform(0.42, 0.58) * double(w);
  const double ry = random.uniform(0.2, 0.3) * double(h), rx = random.uniform(0.2, 0.3) * double(w);

  ContentScene scene;
  scene.image = make_image<float>(h, w);
  scene.subject = Mask(typename Mask::shape_type{h, w});
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const double dy = (double(y) - cy) / ry, dx = (double(x) - cx) / rx;
      const bool inside = dy * dy + dx * dx <= 1;
      scene.subject(y, x) = inside ? 1 : 0;
      const double t = double(y) / double(h - 1);
      for (std::size_t c = 0; c < 3; ++c) {
        double v;
        if (inside) {
          v = subject[c] + detail_pattern.at(double(y), double(x));
        } else {
          const double grey = (1 - t) * g0 + t * g1;
          v = grey + (c == 1 ? tint : c == 2 ? -tint : 0) + background.at(double(y), double(x));
        }
        scene.image(c, y, x) = float(std::clamp(v, 0.0, 255.0));
      }
    }
  return scene;
}

}  // namespace ismooth::scenes
