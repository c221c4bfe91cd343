#pragma once
/// \file
/// The edge response E (docs/spec/energy.md §3, paper Eq. 3, implementation variant):
///
///     E_i(X) = 1/6 · Σ_{j ∈ N12(i)} |S_i − S_j|,   S_i = Σ_c X_ic (0–765)
///
/// N12(i) is the 3×3 neighbourhood (8 pixels) plus the four pixels at
/// distance 2 along the axes; neighbours outside the image are skipped.

#include <array>
#include <cmath>

#include "ismooth/detail/pair_math.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// The 12 neighbour offsets (dy, dx) of N12, in a fixed order (the same as
/// detail::n12_offset, which the CUDA energy uses).
inline constexpr std::array<std::array<int, 2>, 12> kN12 = {{{-1, -1},
                                                             {-1, 0},
                                                             {-1, 1},
                                                             {0, -1},
                                                             {0, 1},
                                                             {1, -1},
                                                             {1, 0},
                                                             {1, 1},
                                                             {-2, 0},
                                                             {2, 0},
                                                             {0, -2},
                                                             {0, 2}}};

/// Channel sum S = Σ_c X_c of an RGB image, shape (H, W).
template <class Scalar>
Plane<Scalar> channel_sum(const Image<Scalar>& image) {
  const std::size_t h = height(image), w = width(image), n = h * w;
  Plane<Scalar> s(typename Plane<Scalar>::shape_type{h, w});
  const Scalar* x = image.data();
  for (std::size_t k = 0; k < n; ++k) s.data()[k] = x[k] + x[n + k] + x[2 * n + k];
  return s;
}

/// E computed from a channel-sum plane S.
template <class Scalar>
Plane<Scalar> edge_response_of_sum(const Plane<Scalar>& s) {
  const long h = long(height(s)), w = long(width(s));
  Plane<Scalar> e(s.shape());
#pragma omp parallel for schedule(static)
  for (long y = 0; y < h; ++y)
    for (long x = 0; x < w; ++x) e(y, x) = detail::edge_response_at(s.data(), h, w, y, x);
  return e;
}

/// E(X) of an RGB image on the 0–255 scale, shape (H, W).
template <class Scalar>
Plane<Scalar> edge_response(const Image<Scalar>& image) {
  return edge_response_of_sum(channel_sum(image));
}

}  // namespace ismooth
