#pragma once
/// \file
/// Difference-of-Gaussians edge lines of image abstraction, in the extended
/// form (XDoG) of Winnemöller, Kyprianidis, Olsen 2012 that contains the
/// edges of Winnemöller, Olsen, Gooch 2006 (ε = 0):
///
///     D = G_σ ∗ L − τ·G_{kσ} ∗ L,
///     edges = 1 where D ≥ ε, else 1 + tanh(φ_e·(D − ε)),
///
/// on CIELAB lightness L ∈ [0, 100]: 1 = paper white, dark lines hug the
/// dark side of every edge. Defaults of the 2006 paper: σ_e = 1, k = √1.6
/// (σ_r = √1.6·σ_e, approximating a Laplacian of Gaussian), τ = 0.98; φ_e is
/// given there as a range (0.75–5), we use 2.

#include <cmath>
#include <string>

#include "ismooth/apps/gaussian_blur.hpp"
#include "ismooth/image.hpp"

namespace ismooth::apps {

/// Parameters of xdog_edges.
struct XdogParams {
  double sigma = 1.0;              ///< σ_e of the inner Gaussian, pixels (> 0)
  double k = std::sqrt(1.6);       ///< outer σ = k·σ_e (> 1)
  double tau = 0.98;               ///< τ, weight of the outer Gaussian (0 < τ ≤ 1)
  double sharpness = 2.0;          ///< φ_e > 0: darkness ramp of the lines
  double epsilon = 0.0;            ///< ε: threshold of D (XDoG); 0 = the 2006 edges

  bool IsValid(std::string* error = nullptr) const {
    if (std::isfinite(sigma) && sigma > 0 && std::isfinite(k) && k > 1 && tau > 0 && tau <= 1 &&
        std::isfinite(sharpness) && sharpness > 0 && std::isfinite(epsilon))
      return true;
    if (error) *error = "XDoG: sigma > 0, k > 1, 0 < tau <= 1, sharpness > 0 and finite epsilon";
    return false;
  }
};

/// The XDoG response D = G_σ ∗ L − τ·G_{kσ} ∗ L of a lightness plane.
inline Plane<float> xdog_response(const Plane<float>& lightness, const XdogParams& p = {}) {
  std::string why;
  require(p.IsValid(&why), "xdog_response: ", why);
  const Plane<float> inner = gaussian_blur(lightness, p.sigma);
  const Plane<float> outer = gaussian_blur(lightness, p.k * p.sigma);
  Plane<float> d(lightness.shape());
  for (std::size_t i = 0; i < d.size(); ++i)
    d.data()[i] = float(double(inner.data()[i]) - p.tau * double(outer.data()[i]));
  return d;
}

/// The edge lines in [0, 1] (1 = no line) of a lightness plane (0–100).
inline Plane<float> xdog_edges(const Plane<float>& lightness, const XdogParams& p = {}) {
  Plane<float> d = xdog_response(lightness, p);
  for (float& v : d) v = v >= p.epsilon ? 1.f : float(1 + std::tanh(p.sharpness * (v - p.epsilon)));
  return d;
}

}  // namespace ismooth::apps
