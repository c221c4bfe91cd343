#pragma once
/// \file
/// L0 gradient minimisation (Xu, Lu, Xu, Jia, "Image smoothing via L0
/// gradient minimization", SIGGRAPH Asia 2011):
///
///     min_S Σ_p |S_p − I_p|² + λ·#{p : ∇S_p ≠ 0},
///
/// by the paper's half-quadratic splitting: auxiliary gradients (h, v) with
/// a coupling β raised from 2λ by κ until β_max; each round sets (h, v) by
/// hard thresholding (Σ_c h² + v² < λ/β → 0) and then solves the quadratic
/// S-step
///
///     (I + β(D_xᵀD_x + D_yᵀD_y)) S = I + β(D_xᵀh + D_yᵀv).
///
/// Xu et al. solve the S-step by FFT, which assumes a *periodic* image: we
/// solve it with the sparse solver of filters/grid_system.hpp (d = 1, w = β)
/// on the grid's own pairs, so nothing wraps around the borders (the one
/// departure; interior results match the method). Colour images: one joint
/// threshold over the three channels, as the authors' code. λ and the
/// thresholds are on the [0, 1] scale, as the paper (defaults λ = 0.02,
/// κ = 2, β_max = 10⁵); images are 0–255 in and out.
///
/// We implement it rather than call OpenCV's ximgproc::l0Smooth because
/// OpenCV is an optional dependency of the experiment tools only, and the
/// S-step is the same sparse system as WLS: a second user of our solver.

#include <cmath>
#include <string>

#include "ismooth/filters/grid_system.hpp"
#include "ismooth/image.hpp"

namespace ismooth::filters {

/// Parameters of L0 smoothing (the paper's defaults).
struct L0Params {
  double lambda = 0.02;    ///< weight of the gradient count, [0, 1] scale (> 0)
  double kappa = 2.0;      ///< growth of β per round (> 1)
  double beta_max = 1e5;   ///< last β (> 2λ)

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error = nullptr) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    if (!(std::isfinite(lambda) && lambda > 0)) return bad("L0 lambda must be finite and > 0");
    if (!(std::isfinite(kappa) && kappa > 1)) return bad("L0 kappa must be finite and > 1");
    if (!(std::isfinite(beta_max) && beta_max > 2 * lambda))
      return bad("L0 beta_max must be finite and > 2 lambda");
    return true;
  }
};

/// `input` ((3, H, W), 0–255) smoothed by L0 gradient minimisation.
template <class Scalar>
Image<Scalar> l0_smooth(const Image<Scalar>& input, const L0Params& params = {}) {
  std::string why;
  require(params.IsValid(&why), "l0_smooth: ", why);
  check_image(input, "l0_smooth input");
  const std::size_t h = height(input), w = width(input), n = h * w;
  const auto N = Eigen::Index(n);
  Eigen::MatrixXd i0(N, 3), s(N, 3);
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t k = 0; k < n; ++k) i0(Eigen::Index(k), Eigen::Index(c)) = double(input.data()[c * n + k]) / 255.0;
  s = i0;
  Eigen::MatrixXd hx(N, 3), vy(N, 3), rhs(N, 3);
  Plane<double> ones = Plane<double>::from_shape({h, w});
  ones.fill(1.0);
  GridSolver solver;  // one analysis for every round
  for (double beta = 2 * params.lambda; beta < params.beta_max; beta *= params.kappa) {
    // (h, v) step: the gradients of S, zeroed where their joint energy is
    // below λ/β. A pixel's pair to the right (h) and below (v); none past
    // the border.
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const auto p = Eigen::Index(y * w + x);
        double energy = 0;
        for (Eigen::Index c = 0; c < 3; ++c) {
          hx(p, c) = x + 1 < w ? s(p + 1, c) - s(p, c) : 0.0;
          vy(p, c) = y + 1 < h ? s(p + Eigen::Index(w), c) - s(p, c) : 0.0;
          energy += hx(p, c) * hx(p, c) + vy(p, c) * vy(p, c);
        }
        if (energy < params.lambda / beta) {
          hx.row(p).setZero();
          vy.row(p).setZero();
        }
      }
    // S step: rhs = I + β(D_xᵀh + D_yᵀv), with (D_x S)_p = S_{p+1} − S_p.
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const auto p = Eigen::Index(y * w + x);
        for (Eigen::Index c = 0; c < 3; ++c) {
          double div = -hx(p, c) - vy(p, c);
          if (x > 0) div += hx(p - 1, c);
          if (y > 0) div += vy(p - Eigen::Index(w), c);
          rhs(p, c) = i0(p, c) + beta * div;
        }
      }
    solver.factorize(grid_system_matrix(ones, uniform_grid_weights(h, w, beta)));
    s = solver.solve(rhs);
  }
  Image<Scalar> out(input.shape());
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t k = 0; k < n; ++k) out.data()[c * n + k] = Scalar(255.0 * s(Eigen::Index(k), Eigen::Index(c)));
  return out;
}

}  // namespace ismooth::filters
