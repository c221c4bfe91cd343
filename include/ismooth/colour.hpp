#pragma once
/// \file
/// RGB → YUV for the colour weights of the flattening term (energy.md §5).

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
  const Scalar s = Scalar(1) / Scalar(255);
  for (std::size_t k = 0; k < n; ++k) {
    const Scalar R = r[k] * s, G = g[k] * s, B = b[k] * s;
    const Scalar Y = Scalar(0.299) * R + Scalar(0.587) * G + Scalar(0.114) * B;
    y[k] = Y;
    u[k] = Scalar(0.492) * (B - Y);
    v[k] = Scalar(0.877) * (R - Y);
  }
  return yuv;
}

}  // namespace ismooth
