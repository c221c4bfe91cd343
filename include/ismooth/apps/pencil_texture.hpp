#pragma once
/// \file
/// Pencil texture rendering of pencil drawing (Lu, Xu, Jia 2012, Sec. 3.3):
/// a pencil texture H (hatching on paper, values in (0, 1)) is drawn β times
/// over to reach the tone J, H^β ≈ J, with β smooth:
///
///     β* = argmin_β Σ_p (β_p ln H_p − ln J_p)² + θ Σ_{pairs} (β_p − β_q)²,
///
/// the paper's sparse least-squares problem (θ = 0.2), solved here as one
/// system (diag((ln H)²) + θ·Laplacian) β = ln H · ln J through
/// filters/grid_system.hpp. The result is T = H^β ∈ (0, 1].
///
/// The paper uses a scanned pencil texture; no asset may be downloaded, so
/// procedural_pencil_texture draws one from a seed: random-intensity noise
/// streaked along 45° by a line filter, scaled to [0.35, 0.95]. It depends
/// only on the seed and the size (its own portable generator, not
/// <random>'s distributions, whose output differs between libraries).

#include <cmath>
#include <cstdint>
#include <string>

#include "ismooth/apps/pencil_stroke.hpp"
#include "ismooth/filters/grid_system.hpp"
#include "ismooth/image.hpp"

namespace ismooth::apps {

/// A pencil texture (H, W) with values in [0.35, 0.95], determined by `seed`.
inline Plane<float> procedural_pencil_texture(std::size_t h, std::size_t w, std::uint64_t seed) {
  require(h > 0 && w > 0, "procedural_pencil_texture: empty size ", w, "x", h);
  std::uint64_t state = seed;
  auto next = [&state] {  // splitmix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  Plane<float> noise = Plane<float>::from_shape({h, w});
  for (float& v : noise) {
    const double u = double(next() >> 11) * 0x1.0p-53;
    v = float(u * u * u);  // mostly light, a few dark grains
  }
  Plane<float> streaks = detail::convolve_same(noise, line_kernel(7, 0, 45));
  float lo = streaks.data()[0], hi = lo;
  for (float v : streaks) lo = std::min(lo, v), hi = std::max(hi, v);
  for (float& v : streaks) v = float(0.95 - 0.6 * (hi > lo ? (v - lo) / (hi - lo) : 0.0));
  return streaks;
}

/// T = H^β* for a tone J and a texture H of the same size, both in (0, 1]
/// (J is floored at 10⁻³ before its logarithm; H must lie in (0, 1)).
inline Plane<float> render_pencil_texture(const Plane<float>& tone, const Plane<float>& texture,
                                          double theta = 0.2) {
  check_same_size(tone, "tone", texture, "texture");
  require(std::isfinite(theta) && theta > 0, "render_pencil_texture: theta must be > 0, got ", theta);
  const std::size_t h = height(tone), w = width(tone), n = h * w;
  Plane<double> d = Plane<double>::from_shape({h, w});
  Eigen::MatrixXd rhs(static_cast<Eigen::Index>(n), 1);
  for (std::size_t k = 0; k < n; ++k) {
    const double hv = texture.data()[k];
    require(hv > 0 && hv < 1, "render_pencil_texture: texture values must lie in (0, 1), got ", hv);
    const double lh = std::log(hv), lj = std::log(std::max(double(tone.data()[k]), 1e-3));
    d.data()[k] = lh * lh;
    rhs(Eigen::Index(k), 0) = lh * lj;
  }
  const Eigen::MatrixXd beta =
      filters::solve_grid_system(filters::grid_system_matrix(d, filters::uniform_grid_weights(h, w, theta)), rhs);
  Plane<float> out(tone.shape());
  for (std::size_t k = 0; k < n; ++k)
    out.data()[k] = float(std::pow(double(texture.data()[k]), beta(Eigen::Index(k), 0)));
  return out;
}

}  // namespace ismooth::apps
