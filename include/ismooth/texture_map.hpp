#pragma once
/// \file
/// The texture detector of the texture-removal preset (docs/spec/energy.md §9, paper
/// Sec. 7.3): an edge pixel is texture when the grey levels a short distance
/// to either side of it, across its Sobel gradient direction, are similar —
/// i.e. the pixel is not on a boundary between two different regions. The
/// preset's guidance is E(I) with texture pixels set to 0 (docs/spec/energy.md §6).

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include "ismooth/edge_response.hpp"
#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// Parameters of the texture detector; the defaults are docs/spec/energy.md §9.
struct TextureOptions {
  /// Only pixels with E_i > this (0–255 edge-response scale) can be texture.
  double min_edge_response = 25;
  /// Probe distance d in pixels: A = (x + trunc(d·cosθ), y + trunc(d·sinθ)).
  int probe_distance = 2;
  /// Texture when |avgA − avgB| < this (grey levels, 0–255 scale).
  double max_side_difference = 50;

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    if (std::isnan(min_edge_response)) return bad("min_edge_response must be a number");
    if (probe_distance < 0 || probe_distance > 64)
      return bad("probe_distance must be in [0, 64], got " + std::to_string(probe_distance));
    if (std::isnan(max_side_difference)) return bad("max_side_difference must be a number");
    return true;
  }

  /// Throws ismooth::Error naming `where` unless IsValid().
  void validate(std::string_view where) const {
    std::string why;
    if (!IsValid(&why)) fail(where, ": ", why);
  }
};

namespace detail {

/// Gradient direction θ of docs/spec/energy.md §9 from Sobel responses (gx, gy), with
/// its special cases in the specified order: gx = 0 first (π/2 if gy > 0,
/// else 3π/2 — this includes gx = gy = 0), then gy = 0 (0 if gx > 0, else π),
/// else atan2(gy, gx) shifted by π when negative. The result is in [0, π]
/// except the 3π/2 case, which docs/spec/energy.md §9 leaves unreduced.
inline double texture_direction(double gx, double gy) {
  constexpr double pi = std::numbers::pi;
  if (gx == 0) return gy > 0 ? pi / 2 : 3 * pi / 2;
  if (gy == 0) return gx > 0 ? 0.0 : pi;
  const double theta = std::atan2(gy, gx);
  return theta < 0 ? theta + pi : theta;
}

/// Sum of S over the 8 neighbours of (x, y) that lie inside the image, and
/// their number; (x, y) itself may be outside the image.
inline void neighbour_sum(const double* s, long h, long w, long x, long y, double* sum, int* n) {
  *sum = 0;
  *n = 0;
  for (long dy = -1; dy <= 1; ++dy) {
    for (long dx = -1; dx <= 1; ++dx) {
      const long xx = x + dx, yy = y + dy;
      if ((dx != 0 || dy != 0) && xx >= 0 && xx < w && yy >= 0 && yy < h) {
        *sum += s[yy * w + xx];
        ++*n;
      }
    }
  }
}

}  // namespace detail

/// Texture map of docs/spec/energy.md §9. `image`: RGB, shape (3, H, W), 0–255 scale;
/// `E`: its edge response, shape (H, W). A pixel (x, y) with E > 25 and
/// 1 ≤ x ≤ W−2, 1 ≤ y ≤ H−2 is texture (1) when, with θ the Sobel direction
/// of the grey image G = (R+G+B)/3 and A = (x + trunc(2cosθ), y + trunc(2sinθ)),
/// B = (x + trunc(2cos(θ+π)), y + trunc(2sin(θ+π))), the means of G over the
/// in-image 8-neighbours of A and of B differ by less than 50. All other
/// pixels are 0. A or B may lie just outside the image; their in-image
/// neighbours are used (a probe with none, impossible for d ≤ 2 on an interior
/// pixel, is treated as "not texture").
///
/// Arithmetic is in double on S = 3G, which is exact for integer-valued
/// images: gx, gy are then exactly 0 where they are mathematically 0, so the
/// special cases of θ fire reliably (atan2 does not depend on the scale), and
/// the tie |avgA − avgB| = 50 is decided exactly (not texture).
template <class Scalar>
Mask texture_map(const Image<Scalar>& image, const Plane<Scalar>& E,
                 const TextureOptions& options = {}) {
  check_image(image, "texture_map: image");
  check_same_size(image, "texture_map: image", E, "E");
  options.validate("texture_map");
  const long h = long(height(image)), w = long(width(image)), n = h * w;
  const double d = options.probe_distance;
  Mask out(typename Mask::shape_type{std::size_t(h), std::size_t(w)});
  out.fill(0);

  std::vector<double> sum(static_cast<std::size_t>(n));  // S = 3G
  const Scalar* x0 = image.data();
  for (long k = 0; k < n; ++k) sum[k] = double(x0[k]) + double(x0[n + k]) + double(x0[2 * n + k]);
  const double* s = sum.data();
  const Scalar* e = E.data();
  std::uint8_t* o = out.data();
  auto at = [&](long y, long x) { return s[y * w + x]; };

#pragma omp parallel for schedule(static)
  for (long y = 1; y < h - 1; ++y) {
    for (long x = 1; x < w - 1; ++x) {
      // On 6·E (exact for 8-bit images, see structure_edges.hpp) so ties are exact.
      if (!(6 * double(e[y * w + x]) > 6 * options.min_edge_response)) continue;
      const double gy = 2 * (at(y + 1, x) - at(y - 1, x)) + (at(y + 1, x + 1) - at(y - 1, x + 1)) +
                        (at(y + 1, x - 1) - at(y - 1, x - 1));
      const double gx = 2 * (at(y, x + 1) - at(y, x - 1)) + (at(y + 1, x + 1) - at(y + 1, x - 1)) +
                        (at(y - 1, x + 1) - at(y - 1, x - 1));
      const double theta = detail::texture_direction(gx, gy);
      const double phi = theta + std::numbers::pi;
      const long ax = x + long(std::trunc(d * std::cos(theta)));
      const long ay = y + long(std::trunc(d * std::sin(theta)));
      const long bx = x + long(std::trunc(d * std::cos(phi)));
      const long by = y + long(std::trunc(d * std::sin(phi)));
      double sum_a = 0, sum_b = 0;
      int n_a = 0, n_b = 0;
      detail::neighbour_sum(s, h, w, ax, ay, &sum_a, &n_a);
      detail::neighbour_sum(s, h, w, bx, by, &sum_b, &n_b);
      if (n_a == 0 || n_b == 0) continue;
      // |avgA − avgB| < t with avg = sum of S / (3n), cross-multiplied so that
      // it is exact for integer-valued images: photos do hit the tie
      // |avgA − avgB| = 50 (about 1 in 10⁴ tested pixels), which dividing
      // first would decide by rounding noise.
      o[y * w + x] = std::abs(sum_a * n_b - sum_b * n_a) <
                             options.max_side_difference * 3.0 * double(n_a) * double(n_b)
                         ? 1
                         : 0;
    }
  }
  return out;
}

/// Texture map of an RGB image (shape (3, H, W), 0–255 scale) with its own E.
template <class Scalar>
Mask texture_map(const Image<Scalar>& image, const TextureOptions& options = {}) {
  check_image(image, "texture_map: image");
  return texture_map(image, edge_response(image), options);
}

/// The texture-removal preset's guidance (docs/spec/energy.md §6, §9): `E` (shape
/// (H, W), 0–255 scale) with E_i := 0 where `texture` (shape (H, W), 0/1) is
/// nonzero; other pixels unchanged.
template <class Scalar>
Plane<Scalar> zero_texture_guidance(Plane<Scalar> E, const Mask& texture) {
  check_same_size(E, "zero_texture_guidance: E", texture, "texture");
  for (std::size_t k = 0; k < E.size(); ++k)
    if (texture.data()[k] != 0) E.data()[k] = Scalar(0);
  return E;
}

}  // namespace ismooth
