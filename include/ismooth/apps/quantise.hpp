#pragma once
/// \file
/// Soft luminance quantisation of image abstraction (Winnemöller, Olsen,
/// Gooch, "Real-time video abstraction", SIGGRAPH 2006, Eq. 3): lightness
/// L ∈ [0, 100] (CIELAB) becomes
///
///     Q(L) = q_nearest + (Δq / 2)·tanh(φ_q·(L − q_nearest)),   Δq = 100 / levels,
///
/// q_nearest the bin *boundary* k·Δq closest to L: flat at the bin centres
/// (k + ½)Δq, continuous through the boundaries (a hard quantiser would make
/// the boundaries flicker). The paper uses 8–10 bins and φ_q from 3 to 14
/// (steered by the local gradient there); we use one φ_q for the whole image.

#include <algorithm>
#include <cmath>
#include <string>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth::apps {

/// Parameters of soft_quantise (defaults: 8 levels, φ_q = 3, the soft end of
/// the paper's range).
struct QuantiseParams {
  int levels = 8;          ///< number of bins (2..256)
  double sharpness = 3.0;  ///< φ_q > 0, per unit of lightness

  bool IsValid(std::string* error = nullptr) const {
    if (levels >= 2 && levels <= 256 && std::isfinite(sharpness) && sharpness > 0) return true;
    if (error) *error = "quantisation: levels must be 2..256 and sharpness finite and > 0";
    return false;
  }
};

/// Q(L) of one lightness value (0–100).
inline double soft_quantise_value(double lightness, const QuantiseParams& p) {
  const double dq = 100.0 / p.levels;
  // The closest boundary, kept within [0, 100] so the extreme bins stay flat.
  const double q = std::clamp(std::round(lightness / dq), 0.0, double(p.levels)) * dq;
  const double side = q <= 0 ? 1.0 : (q >= 100 ? -1.0 : 0.0);
  if (side != 0) return q + side * dq / 2 * std::tanh(p.sharpness * std::abs(lightness - q));
  return q + dq / 2 * std::tanh(p.sharpness * (lightness - q));
}

/// Q of every pixel of a lightness plane (H, W), values 0–100.
inline Plane<float> soft_quantise(const Plane<float>& lightness, const QuantiseParams& p = {}) {
  std::string why;
  require(p.IsValid(&why), "soft_quantise: ", why);
  Plane<float> out(lightness.shape());
  for (std::size_t k = 0; k < lightness.size(); ++k)
    out.data()[k] = float(soft_quantise_value(lightness.data()[k], p));
  return out;
}

}  // namespace ismooth::apps
