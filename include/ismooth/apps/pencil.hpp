#pragma once
/// \file
/// Pencil drawing (Lu, Xu, Jia 2012) on any smoothing: the grey image
/// (luminance Y of the smoothed image) gives the stroke map S
/// (apps/pencil_stroke.hpp) and the tone map J (apps/pencil_tone.hpp),
/// optionally rendered with a pencil texture (apps/pencil_texture.hpp); the
/// drawing is S·J. The colour variant puts the drawing in the Y channel of
/// the smoothed image's YUV (the authors' colour pencil drawing replaces the
/// luminance the same way): Fan et al.'s "combined with the smoothed image".
/// Defaults: the authors' call — stroke length 8, width 1, 8 directions,
/// exponent 2, no texture.

#include <algorithm>
#include <cstdint>
#include <string>

#include "ismooth/apps/pencil_stroke.hpp"
#include "ismooth/apps/pencil_texture.hpp"
#include "ismooth/apps/pencil_tone.hpp"
#include "ismooth/colour.hpp"
#include <xtensor/xview.hpp>

#include "ismooth/image.hpp"

namespace ismooth::apps {

struct PencilParams {
  StrokeParams stroke;
  ToneParams tone;
  bool texture = false;     ///< render the tone with a procedural pencil texture
  double theta = 0.2;       ///< θ of the texture's least-squares problem (> 0)
  std::uint64_t seed = 0;   ///< of the procedural texture

  bool IsValid(std::string* error = nullptr) const {
    if (!stroke.IsValid(error) || !tone.IsValid(error)) return false;
    if (std::isfinite(theta) && theta > 0) return true;
    if (error) *error = "pencil: theta must be finite and > 0";
    return false;
  }
};

/// The grey drawing in [0, 1] of a smoothed image ((3, H, W), 0–255).
inline Plane<float> pencil_drawing(const Image<float>& smoothed, const PencilParams& p = {}) {
  std::string why;
  require(p.IsValid(&why), "pencil_drawing: ", why);
  const Image<float> yuv = rgb_to_yuv(smoothed);
  Plane<float> grey(xt::view(yuv, 0, xt::all(), xt::all()));  // Y in [0, 1]
  const Plane<float> s = stroke_map(grey, p.stroke);
  for (float& v : grey) v *= 255;
  Plane<float> t = tone_map(grey, p.tone);
  for (float& v : t) v /= 255;
  if (p.texture)
    t = render_pencil_texture(t, procedural_pencil_texture(height(t), width(t), p.seed), p.theta);
  Plane<float> out(s.shape());
  for (std::size_t k = 0; k < out.size(); ++k) out.data()[k] = std::clamp(s.data()[k] * t.data()[k], 0.f, 1.f);
  return out;
}

/// pencil_drawing as an RGB image (grey, 0–255), or with `colour` the
/// drawing as the luminance of the smoothed image's colours; clamped.
inline Image<float> pencil(const Image<float>& smoothed, const PencilParams& p = {},
                           bool colour = false) {
  const Plane<float> d = pencil_drawing(smoothed, p);
  const std::size_t n = d.size();
  Image<float> out(smoothed.shape());
  if (!colour) {
    for (std::size_t c = 0; c < kChannels; ++c)
      for (std::size_t k = 0; k < n; ++k) out.data()[c * n + k] = 255 * d.data()[k];
    return out;
  }
  Image<float> yuv = rgb_to_yuv(smoothed);
  for (std::size_t k = 0; k < n; ++k) yuv.data()[k] = d.data()[k];
  out = yuv_to_rgb(yuv);
  for (float& v : out) v = std::clamp(v, 0.f, 255.f);
  return out;
}

}  // namespace ismooth::apps
