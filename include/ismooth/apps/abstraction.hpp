#pragma once
/// \file
/// Image abstraction (Winnemöller, Olsen, Gooch 2006) on any smoothing: the
/// smoothed image's CIELAB lightness is soft-quantised (apps/quantise.hpp)
/// and multiplied by its DoG edge lines (apps/xdog.hpp), the chroma kept.
/// The paper smooths by iterated bilateral filtering; the paper we reproduce
/// (Fan et al. 2018, Sec. 7.1) uses its network in that place, and so do we
/// (`ismooth stylize --style abstraction`), or any other smoother.

#include <algorithm>
#include <string>

#include "ismooth/apps/quantise.hpp"
#include "ismooth/apps/xdog.hpp"
#include "ismooth/colour.hpp"
#include <xtensor/xview.hpp>

#include "ismooth/image.hpp"

namespace ismooth::apps {

struct AbstractionParams {
  QuantiseParams quantise;
  XdogParams edges;

  bool IsValid(std::string* error = nullptr) const {
    return quantise.IsValid(error) && edges.IsValid(error);
  }
};

/// The lightness plane (0–100) of a CIELAB image.
inline Plane<float> lightness_plane(const Image<float>& lab) {
  return Plane<float>(xt::view(lab, 0, xt::all(), xt::all()));
}

/// The abstraction of a smoothed image ((3, H, W), 0–255), clamped to 0–255.
inline Image<float> abstraction(const Image<float>& smoothed, const AbstractionParams& p = {}) {
  std::string why;
  require(p.IsValid(&why), "abstraction: ", why);
  Image<float> lab = rgb_to_lab(smoothed);
  const Plane<float> l = lightness_plane(lab);
  const Plane<float> q = soft_quantise(l, p.quantise);
  const Plane<float> e = xdog_edges(l, p.edges);
  for (std::size_t k = 0; k < q.size(); ++k) lab.data()[k] = q.data()[k] * e.data()[k];
  Image<float> out = lab_to_rgb(lab);
  for (float& v : out) v = std::clamp(v, 0.f, 255.f);
  return out;
}

}  // namespace ismooth::apps
