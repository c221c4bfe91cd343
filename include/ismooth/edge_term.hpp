#pragma once
/// \file
/// The edge-preserving term (docs/spec/energy.md §4, paper Eq. 4):
///
///     E_e(T) = 1/N_e · Σ_i B_i · (E_i(T) − G_i)²,   N_e = Σ_i B_i
///
/// with G the guidance (E(I) for most presets; zeroed on texture pixels, or
/// masked by a foreground map, for others) and B the binary edge map. E_e = 0
/// when N_e = 0. The gradient flows through |S_i − S_j| with sign(0) = 0.

#include <cmath>
#include <vector>

#include "ismooth/edge_response.hpp"

namespace ismooth {

template <class Scalar>
class EdgeTerm {
 public:
  /// `guidance` G and `edges` B are (H, W); B holds 0/1.
  EdgeTerm(Plane<Scalar> guidance, Mask edges)
      : guidance_(std::move(guidance)), edges_(std::move(edges)) {
    check_same_size(guidance_, "EdgeTerm: guidance", edges_, "edge map B");
    edge_pixels_ = 0;
    for (auto b : edges_) {
      require(b <= 1, "EdgeTerm: edge map B must hold 0/1, found ", int(b));
      edge_pixels_ += b;
    }
  }

  const Plane<Scalar>& guidance() const { return guidance_; }
  const Mask& edges() const { return edges_; }
  /// N_e, the number of edge pixels.
  std::size_t edge_pixels() const { return edge_pixels_; }

  double Evaluate(const Image<Scalar>& t) const {
    const Plane<Scalar> s = channel_sum(t);
    return accumulate(s, edge_response_of_sum(s), 0, nullptr);
  }

  double EvaluateWithGradient(const Image<Scalar>& t, Image<Scalar>& g) const {
    g.resize(t.shape());
    g.fill(0);
    const Plane<Scalar> s = channel_sum(t);
    return accumulate(s, edge_response_of_sum(s), 1, &g);
  }

  void Gradient(const Image<Scalar>& t, Image<Scalar>& g) const { EvaluateWithGradient(t, g); }

  /// Returns E_e given the channel sum S and edge response E of T, and, if
  /// `g` is given, adds `weight`·∇E_e(T) to it. Lets the full energy compute
  /// E(T) once for this term and the L2 mask.
  double accumulate(const Plane<Scalar>& s, const Plane<Scalar>& e, double weight,
                    Image<Scalar>* g) const {
    check_same_size(s, "EdgeTerm: T", guidance_, "guidance");
    if (edge_pixels_ == 0) return 0;
    const long h = long(height(s)), w = long(width(s));
    const std::size_t n = std::size_t(h * w);
    // u_i = B_i (E_i(T) − G_i): the residual the gradient spreads to neighbours.
    std::vector<Scalar> u(n);
    double sum = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const Scalar r = edges_.data()[k] ? e.data()[k] - guidance_.data()[k] : Scalar(0);
      u[k] = r;
      sum += double(r) * double(r);
    }
    const double value = sum / double(edge_pixels_);
    if (!g) return value;
    // ∂E_e/∂S_k = 1/(3 N_e) Σ_{j∈N12(k)} sign(S_k − S_j)(u_k + u_j), using the
    // symmetry of N12 (j ∈ N12(k) ⇔ k ∈ N12(j)) to gather instead of scatter.
    const Scalar scale = Scalar(weight / (3.0 * double(edge_pixels_)));
    Scalar* gp = g->data();
#pragma omp parallel for schedule(static)
    for (long y = 0; y < h; ++y) {
      for (long x = 0; x < w; ++x) {
        const std::size_t k = std::size_t(y * w + x);
        const Scalar sk = s.data()[k];
        Scalar acc = 0;
        for (const auto& o : kN12) {
          const long yy = y + o[0], xx = x + o[1];
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const std::size_t j = std::size_t(yy * w + xx);
          const Scalar sj = s.data()[j];
          const Scalar sign = Scalar((sk > sj) - (sk < sj));
          acc += sign * (u[k] + u[j]);
        }
        const Scalar dk = scale * acc;
        gp[k] += dk;
        gp[n + k] += dk;
        gp[2 * n + k] += dk;
      }
    }
    return value;
  }

 private:
  Plane<Scalar> guidance_;
  Mask edges_;
  std::size_t edge_pixels_ = 0;
};

}  // namespace ismooth
