#pragma once
/// \file
/// Detail magnification from a base layer (paper Sec. 7.2): the input I, its
/// smoothing S (the base) and the detail D = I − S give
///
///  - `linear`:  S + K·D per RGB channel (K = 0: S; K = 1: I);
///  - `sigmoid`: Farbman et al.'s (SIGGRAPH 2008) boost of the detail of the
///    CIELAB lightness, the authors' post-processing for their Fig. 11:
///        L = L_S + 100·σ_K((L_I − L_S)/100),   σ_K(x) = 1/(1 + e^{−K·x}) − ½,
///    with I's chroma (a, b) kept; small details are multiplied by about
///    K/4, large ones saturate at ±50, which tempers halos. The authors call
///    it with strength K = 15. K = 0 gives S's lightness with I's colours.
///
/// Results are clamped to [0, 255].

#include <cmath>
#include <string>
#include <string_view>

#include "ismooth/colour.hpp"
#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth::apps {

enum class DetailMethod { sigmoid, linear };

inline DetailMethod parse_detail_method(std::string_view name) {
  if (name == "sigmoid") return DetailMethod::sigmoid;
  if (name == "linear") return DetailMethod::linear;
  fail("unknown detail method '", name, "' (expected sigmoid or linear)");
}

/// The default factor K of a method: 15 (sigmoid, the authors' call) or 3 (linear).
inline double default_detail_factor(DetailMethod m) { return m == DetailMethod::sigmoid ? 15.0 : 3.0; }

/// Parameters of boost_detail.
struct DetailParams {
  DetailMethod method = DetailMethod::sigmoid;
  double factor = 15;  ///< K: linear multiplier, or sigmoid strength (finite, 0..1000)

  bool IsValid(std::string* error = nullptr) const {
    if (std::isfinite(factor) && factor >= 0 && factor <= 1000) return true;
    if (error) *error = "detail factor K must be a finite number from 0 to 1000";
    return false;
  }
};

/// The detail-magnified image of `input` over the base `smoothed` (both
/// (3, H, W), 0–255), clamped to [0, 255].
inline Image<float> boost_detail(const Image<float>& input, const Image<float>& smoothed,
                                 const DetailParams& p = {}) {
  std::string why;
  require(p.IsValid(&why), "boost_detail: ", why, " (got ", p.factor, ")");
  check_same_size(input, "input", smoothed, "base layer");
  Image<float> out(input.shape());
  if (p.method == DetailMethod::linear) {
    for (std::size_t k = 0; k < out.size(); ++k)
      out.data()[k] = float(double(smoothed.data()[k]) +
                            p.factor * (double(input.data()[k]) - double(smoothed.data()[k])));
  } else {
    const Image<float> li = rgb_to_lab(input), ls = rgb_to_lab(smoothed);
    Image<float> lab = li;  // I's chroma
    const std::size_t n = height(input) * width(input);
    for (std::size_t k = 0; k < n; ++k) {
      const double x = (double(li.data()[k]) - double(ls.data()[k])) / 100;
      const double boosted = 1 / (1 + std::exp(-p.factor * x)) - 0.5;
      lab.data()[k] = float(double(ls.data()[k]) + 100 * boosted);
    }
    out = lab_to_rgb(lab);
  }
  for (float& v : out) v = std::clamp(v, 0.f, 255.f);
  return out;
}

}  // namespace ismooth::apps
