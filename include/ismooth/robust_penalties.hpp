#pragma once
/// \file
/// Robust penalties ρ(d) of a scalar residual d (grey levels, 0–255 scale),
/// after Ceres' loss functions, and the two ready-made terms built on them
/// (penalty_terms.hpp): ρ of 4-neighbour differences (a robust total
/// variation) and ρ of x − target (a robust data term).
///
/// | penalty               | ρ(d)                            | near 0      | far      |
/// |-----------------------|---------------------------------|-------------|----------|
/// | HuberPenalty{δ}       | ½d² if \|d\| ≤ δ, δ(\|d\| − ½δ)   | ½d²         | δ·\|d\|    |
/// | CharbonnierPenalty{ε} | √(d² + ε²) − ε                  | d²/(2ε)     | \|d\|     |
/// | LogCoshPenalty{s}     | s²·log cosh(d/s)                | ½d²         | s·\|d\|    |
///
/// Each has value(d), derivative(d) = ρ'(d) and weight(d) = ρ'(d)/d (finite
/// at 0): the IRLS weight. For all three ρ(√u) is concave in u = d², so the
/// half-quadratic bound
///
///     ρ(d) ≤ ρ(d0) + ½·weight(d0)·(d² − d0²)    for all d
///
/// holds with equality at ±d0: the terms' Majorise (majoriser.hpp) is exact
/// at x0, needs no expansion floor, and IRLS never raises their energy.
/// Any type with these three members and that property works as a penalty.

#include <cmath>

namespace ismooth {

/// Huber's penalty (Ceres' HuberLoss with a = δ, on d rather than d²).
struct HuberPenalty {
  double delta = 1;  ///< where quadratic turns linear, grey levels; > 0

  double value(double d) const {
    const double a = std::abs(d);
    return a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
  }
  double derivative(double d) const { return std::abs(d) <= delta ? d : (d > 0 ? delta : -delta); }
  double weight(double d) const {
    const double a = std::abs(d);
    return a <= delta ? 1.0 : delta / a;
  }
};

/// Charbonnier's penalty, a smooth |d| (the "pseudo-Huber"; Ceres' SoftLOneLoss
/// up to scale). With ε → 0 it is total variation.
struct CharbonnierPenalty {
  double epsilon = 1;  ///< smoothing, grey levels; > 0

  double value(double d) const { return std::sqrt(d * d + epsilon * epsilon) - epsilon; }
  double derivative(double d) const { return d / std::sqrt(d * d + epsilon * epsilon); }
  double weight(double d) const { return 1.0 / std::sqrt(d * d + epsilon * epsilon); }
};

/// s²·log cosh(d/s): quadratic near 0, s·|d| beyond ~s; smooth everywhere.
struct LogCoshPenalty {
  double scale = 1;  ///< s, grey levels; > 0

  double value(double d) const {
    const double a = std::abs(d) / scale;
    // log cosh a = a + log1p(e^{−2a}) − log 2, without overflow.
    return scale * scale * (a + std::log1p(std::exp(-2 * a)) - std::log(2.0));
  }
  double derivative(double d) const { return scale * std::tanh(d / scale); }
  double weight(double d) const {
    const double a = d / scale;
    return std::abs(a) < 1e-4 ? 1.0 - a * a / 3 : scale * std::tanh(a) / d;
  }
};

}  // namespace ismooth
