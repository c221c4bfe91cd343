#pragma once
/// \file
/// The tone map of pencil drawing (Lu, Xu, Jia 2012, Sec. 3.2): the grey
/// image's histogram is matched to a parametric tone distribution of three
/// layers over grey levels v = 0..255,
///
///     p(v) ∝ ω_b·p_b(v) + ω_m·p_m(v) + ω_d·p_d(v),
///     p_b(v) ∝ exp(−(255 − v)/σ_b)                 (bright: paper white)
///     p_m(v) ∝ 1 on [u_a, u_b], 0 elsewhere         (mild tones)
///     p_d(v) ∝ exp(−(v − μ_d)²/(2σ_d²))             (dark strokes)
///
/// with the published parameters ω = 76 : 22 : 2, σ_b = 9, u_a = 105,
/// u_b = 225, μ_d = 90, σ_d = 11. Each layer is normalised to sum 1 over the
/// 256 levels before weighting (the paper's densities are normalised over
/// [0, 1]; on 256 levels this keeps the weights exactly the layers' masses).
/// Histogram matching maps each input level v to the smallest level u with
/// CDF_target(u) ≥ CDF_input(v).

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth::apps {

/// Parameters of the tone distribution (the published ones).
struct ToneParams {
  double weight_bright = 76, weight_mid = 22, weight_dark = 2;
  double sigma_bright = 9;
  double mid_low = 105, mid_high = 225;  ///< u_a, u_b
  double dark_mean = 90, sigma_dark = 11;

  bool IsValid(std::string* error = nullptr) const {
    const bool ok = weight_bright >= 0 && weight_mid >= 0 && weight_dark >= 0 &&
                    weight_bright + weight_mid + weight_dark > 0 && sigma_bright > 0 &&
                    sigma_dark > 0 && mid_low >= 0 && mid_low < mid_high && mid_high <= 255 &&
                    std::isfinite(weight_bright + weight_mid + weight_dark + sigma_bright +
                                  sigma_dark + dark_mean);
    if (!ok && error) *error = "tone: weights >= 0 (not all 0), sigmas > 0, 0 <= u_a < u_b <= 255";
    return ok;
  }
};

/// p(v), v = 0..255, summing to 1.
inline std::array<double, 256> tone_distribution(const ToneParams& p = {}) {
  std::string why;
  require(p.IsValid(&why), "tone_distribution: ", why);
  std::array<double, 256> b{}, m{}, d{}, out{};
  double sb = 0, sm = 0, sd = 0;
  for (int v = 0; v < 256; ++v) {
    sb += b[v] = std::exp(-(255.0 - v) / p.sigma_bright);
    sm += m[v] = (v >= p.mid_low && v <= p.mid_high) ? 1.0 : 0.0;
    sd += d[v] = std::exp(-(v - p.dark_mean) * (v - p.dark_mean) / (2 * p.sigma_dark * p.sigma_dark));
  }
  const double total = p.weight_bright + p.weight_mid + p.weight_dark;
  for (int v = 0; v < 256; ++v)
    out[v] = (p.weight_bright * b[v] / sb + p.weight_mid * m[v] / sm + p.weight_dark * d[v] / sd) / total;
  return out;
}

/// The grey plane (0–255) with its histogram matched to `target` (sums to 1).
inline Plane<float> match_histogram(const Plane<float>& grey, const std::array<double, 256>& target) {
  std::array<double, 256> hist{};
  auto level = [](float v) { return int(std::lround(std::clamp(double(v), 0.0, 255.0))); };
  for (float v : grey) hist[level(v)] += 1;
  std::array<int, 256> map{};
  double cin = 0, ct = 0;
  int u = 0;
  ct = target[0];
  for (int v = 0; v < 256; ++v) {
    cin += hist[v] / double(grey.size());
    while (u < 255 && ct < cin - 1e-12) ct += target[++u];
    map[v] = u;
  }
  Plane<float> out(grey.shape());
  for (std::size_t k = 0; k < grey.size(); ++k) out.data()[k] = float(map[level(grey.data()[k])]);
  return out;
}

/// The tone map J (0–255) of a grey plane (0–255): match_histogram to
/// tone_distribution(p).
inline Plane<float> tone_map(const Plane<float>& grey, const ToneParams& p = {}) {
  return match_histogram(grey, tone_distribution(p));
}

}  // namespace ismooth::apps
