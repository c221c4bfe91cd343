#pragma once
/// \file
/// The flattening term (docs/spec/energy.md §5, paper Eq. 5–8):
///
///     E_f(T) = 1/(3N) · Σ_{i: B_i = 0} Σ_{j ∈ W_h(i)} Σ_c w_ij · |T_ic − T_jc|^{p_i}
///
/// over ordered pairs, neighbours outside the image skipped. Inside the L2
/// mask M: p_i = p_large, w_ij = α·w^s_ij (Eq. 7); outside: p_i = p_small,
/// w_ij = w^r_ij (Eq. 6, YUV of the input, weights < 0.3 set to 0). M comes
/// from the p-map policy (l2_mask.hpp); it and the weights are held constant
/// when differentiating. Gradient modes: docs/spec/energy.md §10.

#include <cstddef>
#include <vector>

#include "ismooth/colour.hpp"
#include "ismooth/detail/flattening_kernel.hpp"
#include "ismooth/detail/flattening_majoriser.hpp"
#include "ismooth/edge_response.hpp"
#include "ismooth/l2_mask.hpp"

namespace ismooth {

template <class Scalar>
class FlatteningTerm {
 public:
  struct Options {
    /// Colour weights w^r are cached per (offset, pixel) when they take at
    /// most this many bytes ((h²−1)/2 · N · sizeof(Scalar): 44 MB at 224²,
    /// 811 MB at 1280×720 in float for h = 21), else recomputed on the fly.
    std::size_t colour_cache_bytes = std::size_t(384) << 20;
    /// The pair loop's code; null: the one compiled with the build's SIMD
    /// flags (ISMOOTH_SIMD_FLAGS). A compiled library may pass a wider
    /// instantiation it chose at run time (detail::FlatteningKernel::
    /// band_loop; ismooth::network's trainer passes its 16-lane AVX-512 loop
    /// where the CPU has AVX-512). Results agree to float rounding: the
    /// order of a few sums depends on the lane count.
    typename detail::FlatteningKernel<Scalar>::BandLoop pair_loop = nullptr;
  };

  /// `input` I (3, H, W) on 0–255; `edges` B (H, W) 0/1: edge pixels are not
  /// flattening centres; `guidance` G (H, W), used by the adaptive p map.
  FlatteningTerm(const Image<Scalar>& input, Mask edges, Plane<Scalar> guidance,
                 const EnergyParams& params, PMap pmap = {}, Options options = {})
      : params_((params.validate("FlatteningTerm"), params)),
        edges_(std::move(edges)),
        guidance_(std::move(guidance)),
        pmap_(std::move(pmap)),
        kernel_((check_image(input, "FlatteningTerm: input"), rgb_to_yuv(input)), params_,
                options.colour_cache_bytes) {
    kernel_.set_band_loop(options.pair_loop);
    check_same_size(input, "FlatteningTerm: input", edges_, "edge map B");
    check_same_size(input, "FlatteningTerm: input", guidance_, "guidance");
    for (auto b : edges_)
      require(b <= 1, "FlatteningTerm: edge map B must hold 0/1, found ", int(b));
    if (pmap_.kind != PMapKind::adaptive)
      fixed_mask_ = fixed_l2_mask(pmap_, height(input), width(input));
  }

  const EnergyParams& params() const { return params_; }
  const PMap& pmap() const { return pmap_; }
  bool caches_colour_weights() const { return kernel_.caches_colour_weights(); }
  std::size_t colour_cache_bytes() const { return kernel_.colour_cache_bytes(); }
  /// Unordered pixel pairs visited per evaluation (for throughput figures).
  std::size_t pairs_per_evaluation() const { return kernel_.pairs_per_evaluation(); }

  /// The L2 mask M at T: Eq. 8 from E(T) for the adaptive map, else fixed.
  Mask l2_mask(const Image<Scalar>& t) const {
    if (pmap_.kind != PMapKind::adaptive) return fixed_mask_;
    return l2_mask_from_response(edge_response(t));
  }

  /// The L2 mask given E(T) already computed.
  Mask l2_mask_from_response(const Plane<Scalar>& edge_t) const {
    if (pmap_.kind != PMapKind::adaptive) return fixed_mask_;
    return adaptive_l2_mask(edge_t, guidance_, params_);
  }

  double Evaluate(const Image<Scalar>& t) const { return accumulate(t, l2_mask(t), 0, nullptr); }

  double EvaluateWithGradient(const Image<Scalar>& t, Image<Scalar>& g) const {
    g.resize(t.shape());
    g.fill(0);
    return accumulate(t, l2_mask(t), 1, &g);
  }

  void Gradient(const Image<Scalar>& t, Image<Scalar>& g) const { EvaluateWithGradient(t, g); }

  /// E_f(T) with the L2 mask held at `mask`; if `g` is given, adds
  /// `weight`·∇E_f(T) to it.
  double accumulate(const Image<Scalar>& t, const Mask& mask, double weight,
                    Image<Scalar>* g) const {
    check_same_size(t, "FlatteningTerm: T", edges_, "edge map B");
    check_same_size(mask, "FlatteningTerm: L2 mask", edges_, "edge map B");
    require(t.shape()[0] == kChannels, "FlatteningTerm: T must have 3 channels");
    const std::size_t n = edges_.size();
    std::vector<Scalar> k_large(n), k_small(n);
    for (std::size_t k = 0; k < n; ++k) {
      const bool centre = edges_.data()[k] == 0;
      k_large[k] = Scalar(centre && mask.data()[k]);
      k_small[k] = Scalar(centre && !mask.data()[k]);
    }
    const double normaliser = 1.0 / (3.0 * double(n));
    const double raw = kernel_.run(t.data(), k_large, k_small, Scalar(weight * normaliser),
                                   g ? g->data() : nullptr);
    return raw * normaliser;
  }

  /// IRLS majoriser of E_f at T⁰ = t (docs/spec/energy.md §11; majoriser.hpp), mask
  /// from t. The Laplacian alone is singular: IRLS needs a data term too.
  void Majorise(const Image<Scalar>& t, QuadraticMajoriser& q) const {
    majorise(t, l2_mask(t), 1.0, 0.0, q);
  }

  /// Majoriser of weight·E_f with the L2 mask held at `mask`, plus
  /// `diagonal`·I on every matrix (the data term's share, so the paper's
  /// energy assembles one matrix in one pass). q.b holds only linear terms
  /// of the shared-matrix mode; q.constant the flattening part.
  void majorise(const Image<Scalar>& t, const Mask& mask, double weight, double diagonal,
                QuadraticMajoriser& q) const {
    check_same_size(t, "FlatteningTerm::Majorise: T", edges_, "edge map B");
    check_same_size(mask, "FlatteningTerm::Majorise: L2 mask", edges_, "edge map B");
    require(t.shape()[0] == kChannels, "FlatteningTerm::Majorise: T must have 3 channels");
    require(q.expansion_floor > 0 && std::isfinite(q.expansion_floor),
            "FlatteningTerm::Majorise: expansion_floor must be finite and > 0, got ",
            q.expansion_floor);
    const std::size_t n = edges_.size();
    std::vector<Scalar> k_large(n), k_small(n);
    for (std::size_t k = 0; k < n; ++k) {
      const bool centre = edges_.data()[k] == 0;
      k_large[k] = Scalar(centre && mask.data()[k]);
      k_small[k] = Scalar(centre && !mask.data()[k]);
    }
    detail::assemble_flattening_majoriser(kernel_, t.data(), long(height(t)), long(width(t)),
                                          k_large, k_small, {params_.p_large, params_.epsilon},
                                          {params_.p_small, params_.epsilon},
                                          weight / (3.0 * double(n)), diagonal, q);
  }

 private:
  EnergyParams params_;
  Mask edges_;
  Plane<Scalar> guidance_;
  PMap pmap_;
  Mask fixed_mask_;
  detail::FlatteningKernel<Scalar> kernel_;
};

}  // namespace ismooth
