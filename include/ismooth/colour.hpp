#pragma once
/// \file
/// RGB → YUV for the colour weights of the flattening term (docs/spec/energy.md §5),
/// and sRGB ↔ CIELAB for the applications (detail magnification works on
/// CIELAB lightness, as Farbman et al.; docs/applications.md).

#include <cmath>

#include "ismooth/detail/inverse3.hpp"
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

/// The inverse of rgb_to_yuv: RGB on the 0–255 scale from Y, U, V of
/// RGB/255 (R = Y + V/0.877, B = Y + U/0.492, G from Y). Not clamped.
template <class Scalar>
Image<Scalar> yuv_to_rgb(const Image<Scalar>& yuv) {
  const std::size_t n = height(yuv) * width(yuv);
  Image<Scalar> rgb(yuv.shape());
  for (std::size_t k = 0; k < n; ++k) {
    const double y = yuv.data()[k], u = yuv.data()[n + k], v = yuv.data()[2 * n + k];
    const double r = y + v / 0.877, b = y + u / 0.492;
    const double g = (y - 0.299 * r - 0.114 * b) / 0.587;
    rgb.data()[k] = Scalar(255 * r);
    rgb.data()[n + k] = Scalar(255 * g);
    rgb.data()[2 * n + k] = Scalar(255 * b);
  }
  return rgb;
}

namespace detail {

// sRGB (D65) ↔ CIELAB, the conversions of MATLAB's rgb2lab/lab2rgb and
// scikit-image: sRGB transfer curve, the sRGB→XYZ matrix, white point D65.
inline double srgb_to_linear(double c) {
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
inline double linear_to_srgb(double c) {
  return c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1 / 2.4) - 0.055;
}
inline constexpr double kLabWhite[3] = {0.95047, 1.0, 1.08883};
/// Linear sRGB → XYZ (D65).
inline constexpr double kRgbToXyz[3][3] = {{0.4124564, 0.3575761, 0.1804375},
                                           {0.2126729, 0.7151522, 0.0721750},
                                           {0.0193339, 0.1191920, 0.9503041}};
/// Its exact inverse (by cofactors, so lab_to_rgb inverts rgb_to_lab to
/// rounding; the published 7-digit inverse is off by ~4e-4 grey levels).
struct XyzToRgb {
  double m[3][3];
  XyzToRgb() { inverse3(kRgbToXyz, m); }
};
inline const XyzToRgb& xyz_to_rgb_matrix() {
  static const XyzToRgb m;
  return m;
}
inline double lab_f(double t) {
  constexpr double d = 6.0 / 29.0;
  return t > d * d * d ? std::cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
}
inline double lab_f_inverse(double f) {
  constexpr double d = 6.0 / 29.0;
  return f > d ? f * f * f : 3 * d * d * (f - 4.0 / 29.0);
}

}  // namespace detail

/// CIELAB (L in [0, 100], a and b roughly in [−128, 127]) of an sRGB image
/// on the 0–255 scale. Returns (3, H, W) with planes L, a, b.
template <class Scalar>
Image<Scalar> rgb_to_lab(const Image<Scalar>& rgb255) {
  const std::size_t n = height(rgb255) * width(rgb255);
  Image<Scalar> lab(rgb255.shape());
  for (std::size_t k = 0; k < n; ++k) {
    const double r = detail::srgb_to_linear(double(rgb255.data()[k]) / 255);
    const double g = detail::srgb_to_linear(double(rgb255.data()[n + k]) / 255);
    const double b = detail::srgb_to_linear(double(rgb255.data()[2 * n + k]) / 255);
    const auto& m = detail::kRgbToXyz;
    const double x = (m[0][0] * r + m[0][1] * g + m[0][2] * b) / detail::kLabWhite[0];
    const double y = (m[1][0] * r + m[1][1] * g + m[1][2] * b) / detail::kLabWhite[1];
    const double z = (m[2][0] * r + m[2][1] * g + m[2][2] * b) / detail::kLabWhite[2];
    const double fx = detail::lab_f(x), fy = detail::lab_f(y), fz = detail::lab_f(z);
    lab.data()[k] = Scalar(116 * fy - 16);
    lab.data()[n + k] = Scalar(500 * (fx - fy));
    lab.data()[2 * n + k] = Scalar(200 * (fy - fz));
  }
  return lab;
}

/// The sRGB image (0–255, not clamped: out-of-gamut colours fall outside)
/// of a CIELAB image as rgb_to_lab returns it.
template <class Scalar>
Image<Scalar> lab_to_rgb(const Image<Scalar>& lab) {
  const std::size_t n = height(lab) * width(lab);
  Image<Scalar> rgb(lab.shape());
  const auto& m = detail::xyz_to_rgb_matrix().m;
  for (std::size_t k = 0; k < n; ++k) {
    const double fy = (double(lab.data()[k]) + 16) / 116;
    const double fx = fy + double(lab.data()[n + k]) / 500;
    const double fz = fy - double(lab.data()[2 * n + k]) / 200;
    const double x = detail::kLabWhite[0] * detail::lab_f_inverse(fx);
    const double y = detail::kLabWhite[1] * detail::lab_f_inverse(fy);
    const double z = detail::kLabWhite[2] * detail::lab_f_inverse(fz);
    const double r = m[0][0] * x + m[0][1] * y + m[0][2] * z;
    const double g = m[1][0] * x + m[1][1] * y + m[1][2] * z;
    const double b = m[2][0] * x + m[2][1] * y + m[2][2] * z;
    rgb.data()[k] = Scalar(255 * detail::linear_to_srgb(r));
    rgb.data()[n + k] = Scalar(255 * detail::linear_to_srgb(g));
    rgb.data()[2 * n + k] = Scalar(255 * detail::linear_to_srgb(b));
  }
  return rgb;
}

}  // namespace ismooth
