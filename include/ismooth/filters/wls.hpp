#pragma once
/// \file
/// Weighted least squares smoothing (Farbman, Fattal, Lischinski, Szeliski,
/// "Edge-preserving decompositions for multi-scale tone and detail
/// manipulation", SIGGRAPH 2008) as an energy term of ismooth:
///
///     E(u) = Σ_c Σ_p (u_cp − g_cp)² + λ Σ_c Σ_{pairs (p,q)} a_pq (u_cp − u_cq)²,
///     a_pq = 1 / (|ℓ_p − ℓ_q|^α + ε),   ℓ = ln(Y + 10⁻⁴),
///
/// over 4-neighbour pairs, Y the luminance (0.299R + 0.587G + 0.114B, in
/// [0, 1]) of the guide g (the input). The paper's defaults: λ = 1, α = 1.2,
/// ε = 10⁻⁴. E is quadratic, so WlsTerm's Majorise is exact (the bound *is*
/// E) and one IRLS iteration, or wls_smooth's one linear system per channel
/// (filters/grid_system.hpp), gives the exact minimiser
/// u_c = (I + λ L_a)⁻¹ g_c. We depart from Farbman's code in one place: its
/// log floor is machine epsilon, ours 10⁻⁴ (on 8-bit input the floor only
/// matters next to black pixels, where both give near-zero weights).

#include <cmath>
#include <string>

#include "ismooth/colour.hpp"
#include "ismooth/filters/grid_system.hpp"
#include "ismooth/image.hpp"
#include "ismooth/majoriser.hpp"

namespace ismooth::filters {

/// The parameters of WLS (Farbman et al.'s defaults).
struct WlsParams {
  double lambda = 1.0;     ///< smoothness weight λ (> 0); larger = smoother
  double alpha = 1.2;      ///< gradient sensitivity α (> 0) of the weights
  double epsilon = 1e-4;   ///< ε > 0 in a_pq = 1 / (|Δℓ|^α + ε)

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error = nullptr) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    if (!(std::isfinite(lambda) && lambda > 0)) return bad("WLS lambda must be finite and > 0");
    if (!(std::isfinite(alpha) && alpha > 0)) return bad("WLS alpha must be finite and > 0");
    if (!(std::isfinite(epsilon) && epsilon > 0)) return bad("WLS epsilon must be finite and > 0");
    return true;
  }
};

/// λ·a_pq for every pair of the guide's grid (guide: (3, H, W), 0–255).
template <class Scalar>
GridWeights wls_weights(const Image<Scalar>& guide, const WlsParams& params) {
  std::string why;
  require(params.IsValid(&why), "wls_weights: ", why);
  const std::size_t h = height(guide), w = width(guide), n = h * w;
  Plane<double> ell = Plane<double>::from_shape({h, w});
  const Scalar* r = guide.data();
  for (std::size_t k = 0; k < n; ++k) {
    const double y = (0.299 * double(r[k]) + 0.587 * double(r[n + k]) + 0.114 * double(r[2 * n + k])) / 255.0;
    ell.data()[k] = std::log(std::max(y, 0.0) + 1e-4);
  }
  auto weight = [&](double a, double b) {
    return params.lambda / (std::pow(std::abs(a - b), params.alpha) + params.epsilon);
  };
  GridWeights g = uniform_grid_weights(h, w, 0);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x + 1 < w; ++x) g.horizontal(y, x) = weight(ell(y, x), ell(y, x + 1));
  for (std::size_t y = 0; y + 1 < h; ++y)
    for (std::size_t x = 0; x < w; ++x) g.vertical(y, x) = weight(ell(y, x), ell(y + 1, x));
  return g;
}

/// The WLS energy of \file as a DifferentiableObjective (objective.hpp) with
/// an exact Majorise (majoriser.hpp), on the 0–255 scale. Works with every
/// solver of ismooth; wls_smooth below is its direct minimiser.
class WlsTerm {
 public:
  /// g: the input image (3, H, W), 0–255, which is also the guide.
  template <class Scalar>
  WlsTerm(const Image<Scalar>& input, const WlsParams& params = {})
      : g_(image_cast<double>(input)), weights_(wls_weights(input, params)) {
    check_image(g_, "WlsTerm input");
  }

  /// λ·a_pq of every pair.
  const GridWeights& weights() const { return weights_; }
  const Image<double>& input() const { return g_; }

  template <class X>
  double Evaluate(const X& u) const {
    check_same_size(u, "x", g_, "the WLS input");
    const std::size_t h = height(g_), w = width(g_), n = h * w;
    double e = 0;
    for (std::size_t c = 0; c < kChannels; ++c) {
      const auto* uc = u.data() + c * n;
      const double* gc = g_.data() + c * n;
      for (std::size_t k = 0; k < n; ++k) e += sq(double(uc[k]) - gc[k]);
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
          const std::size_t p = y * w + x;
          if (x + 1 < w) e += weights_.horizontal(y, x) * sq(double(uc[p]) - double(uc[p + 1]));
          if (y + 1 < h) e += weights_.vertical(y, x) * sq(double(uc[p]) - double(uc[p + w]));
        }
    }
    return e;
  }

  /// ∇E = 2(u − g) + 2 L u, L the weighted Laplacian.
  template <class X>
  void Gradient(const X& u, X& grad) const {
    check_same_size(u, "x", g_, "the WLS input");
    grad.resize(u.shape());
    const std::size_t h = height(g_), w = width(g_), n = h * w;
    for (std::size_t c = 0; c < kChannels; ++c) {
      const auto* uc = u.data() + c * n;
      auto* gr = grad.data() + c * n;
      const double* gc = g_.data() + c * n;
      for (std::size_t k = 0; k < n; ++k) gr[k] = 2 * (double(uc[k]) - gc[k]);
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
          const std::size_t p = y * w + x;
          if (x + 1 < w) {
            const double d = 2 * weights_.horizontal(y, x) * (double(uc[p]) - double(uc[p + 1]));
            gr[p] += d;
            gr[p + 1] -= d;
          }
          if (y + 1 < h) {
            const double d = 2 * weights_.vertical(y, x) * (double(uc[p]) - double(uc[p + w]));
            gr[p] += d;
            gr[p + w] -= d;
          }
        }
    }
  }

  /// The exact quadratic: A = 2(I + L) (shared by the channels), b = 2g,
  /// constant = Σ g², so ½uᵀAu − bᵀu + constant = E(u) for every u.
  template <class X>
  void Majorise(const X& /*u0*/, QuadraticMajoriser& q) const {
    q.A = system_matrix(2.0);
    q.channel_A.clear();
    q.b = 2.0 * g_;
    double c = 0;
    for (double v : g_) c += v * v;
    q.constant = c;
  }

  /// The lower triangle of s·(I + L), the matrix of the normal equations.
  SparseMatrixD system_matrix(double s = 1.0) const {
    Plane<double> d = Plane<double>::from_shape({height(g_), width(g_)});
    d.fill(s);
    GridWeights ws{s * weights_.horizontal, s * weights_.vertical};
    return grid_system_matrix(d, ws);
  }

 private:
  static double sq(double v) { return v * v; }
  Image<double> g_;
  GridWeights weights_;
};

/// The WLS smoothing of `input` ((3, H, W), 0–255): the exact minimiser of
/// WlsTerm, one sparse solve with three right-hand sides (the matrix is
/// shared by the channels). Not clamped (WLS is a convex combination of the
/// input's values, so it stays within their range up to rounding).
template <class Scalar>
Image<Scalar> wls_smooth(const Image<Scalar>& input, const WlsParams& params = {}) {
  const WlsTerm term(input, params);
  const std::size_t n = height(input) * width(input);
  Eigen::MatrixXd rhs(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(kChannels));
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t k = 0; k < n; ++k) rhs(Eigen::Index(k), Eigen::Index(c)) = term.input().data()[c * n + k];
  const Eigen::MatrixXd u = solve_grid_system(term.system_matrix(), rhs);
  Image<Scalar> out(input.shape());
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t k = 0; k < n; ++k) out.data()[c * n + k] = Scalar(u(Eigen::Index(k), Eigen::Index(c)));
  return out;
}

}  // namespace ismooth::filters
