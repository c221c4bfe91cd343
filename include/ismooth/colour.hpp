#pragma once
/// \file
/// RGB → YUV for the colour weights of the flattening term (docs/spec/energy.md §5).

#include "ismooth/detail/pair_math.hpp"
#include "ismooth/image.hpp"

namespace ismooth {

/// YUV of an RGB image given on the 0–255 scale, computed from RGB/255 in
/// [0, 1]: Y = 0.299R + 0.587G + 0.114B, U = 0.492(B − Y), V = 0.877(R − Y).
/// Returns shape (3, H, W) with planes Y, U, V.
template <class Scalar>
Image<Scalar> rgb_to_yuv(const Image<Scalar>& rgb255) {
  const std::size_t n = height(rgb255) * width(rgb255);
  Image<Scalar> yuv(rgb255.shape());
  const Scalar* r = rgb255.data();
  const Scalar* g = r + n;
  const Scalar* b = g + n;
  Scalar* y = yuv.data();
  Scalar* u = y + n;
  Scalar* v = u + n;
  for (std::size_t k = 0; k < n; ++k) detail::rgb255_to_yuv(r[k], g[k], b[k], y[k], u[k], v[k]);
  return yuv;
}

}  // namespace ismooth
