#pragma once
/// \file
/// Two ready-made terms over a robust penalty ρ (robust_penalties.hpp), each
/// a DifferentiableObjective with Majorise, so every solver (IRLS included)
/// takes them alone or in a WeightedSum with the paper's energy:
///
///     // the paper's energy plus a Charbonnier total variation
///     WeightedSum f{Weighted{1.0, std::cref(energy)},
///                   Weighted{0.05, NeighbourPenalty{CharbonnierPenalty{2.0}}, "tv"}};
///
/// - NeighbourPenalty<P>: (1/3N)·Σ_c Σ_{4-neighbour pairs i~j} ρ(x_cj − x_ci),
///   each pair once (right and down neighbours): a robust total variation.
/// - ResidualPenalty<P>: (1/3N)·Σ_k ρ(x_k − target_k): a robust data term.
///
/// x is an Image<Scalar> (3, H, W) on 0–255 (any Scalar: the members are
/// templates); N = H·W. The 1/(3N) is the paper energy's normaliser, so
/// weights compare with its λ's. Values and gradients are accumulated in
/// double.
///
/// Majorise (majoriser.hpp): the half-quadratic bound of robust_penalties.hpp
/// per pair and channel: per-channel matrices when q.per_channel, otherwise
/// one shared matrix whose pairs take the largest of their channel weights
/// (the tangent at the smallest |d⁰|, still a bound, not touching at x0).
/// NeighbourPenalty's matrix is a graph Laplacian: singular alone, so IRLS
/// needs it summed with a term that pins the level (a data term).

#include <Eigen/SparseCore>
#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"
#include "ismooth/majoriser.hpp"
#include "ismooth/robust_penalties.hpp"

namespace ismooth {

namespace detail {

/// Adds the half-quadratic bound of ρ for residuals d0[c] (c = 0, 1, 2) of
/// one pair or value into per-channel triplet lists (or the shared one) and
/// returns the constant; `add(c, weight)` puts the weight into the matrix
/// of channel c (c = −1: the shared one).
template <class Penalty, class Add>
double penalty_bound(const Penalty& rho, const double (&d0)[3], bool per_channel, Add&& add) {
  double constant = 0;
  if (per_channel) {
    for (int c = 0; c < 3; ++c) {
      const double w = rho.weight(d0[c]);
      add(c, w);
      constant += rho.value(d0[c]) - 0.5 * w * d0[c] * d0[c];
    }
  } else {
    const double a = std::min({std::abs(d0[0]), std::abs(d0[1]), std::abs(d0[2])});
    const double w = rho.weight(a);
    add(-1, w);
    constant += 3 * (rho.value(a) - 0.5 * w * a * a);
  }
  return constant;
}

/// Fills q's matrices from triplet lists: per-channel (A empty N×N) or shared.
inline void set_majoriser_matrices(QuadraticMajoriser& q, Eigen::Index n, bool per_channel,
                                   std::vector<Eigen::Triplet<double>> (&channel)[3],
                                   std::vector<Eigen::Triplet<double>>& shared) {
  q.A.resize(n, n);
  q.A.setFromTriplets(shared.begin(), shared.end());
  q.channel_A.clear();
  if (per_channel) {
    q.channel_A.assign(3, SparseMatrixD(n, n));
    for (int c = 0; c < 3; ++c)
      q.channel_A[std::size_t(c)].setFromTriplets(channel[c].begin(), channel[c].end());
  }
}

/// The concept's members of a penalty term T, from T's
/// `double run(const Image<S>& x, Image<S>* g)` (g zeroed and sized, or null)
/// and `void majorise(const Image<S>& x0, QuadraticMajoriser& q)`.
template <class T>
struct PenaltyTermMembers {
  template <class Scalar>
  double Evaluate(const Image<Scalar>& x) const {
    return self().run(x, static_cast<Image<Scalar>*>(nullptr));
  }
  template <class Scalar>
  double EvaluateWithGradient(const Image<Scalar>& x, Image<Scalar>& g) const {
    g.resize(x.shape());
    g.fill(0);
    return self().run(x, &g);
  }
  void Majorise(const Image<float>& x0, QuadraticMajoriser& q) const { self().majorise(x0, q); }
  void Majorise(const Image<double>& x0, QuadraticMajoriser& q) const { self().majorise(x0, q); }

 private:
  const T& self() const { return static_cast<const T&>(*this); }
};

}  // namespace detail

/// ρ of 4-neighbour differences, a robust total variation (see \file).
template <class Penalty>
class NeighbourPenalty : public detail::PenaltyTermMembers<NeighbourPenalty<Penalty>> {
 public:
  explicit NeighbourPenalty(Penalty rho = {}) : rho_(std::move(rho)) {}

  const Penalty& penalty() const { return rho_; }

 private:
  friend detail::PenaltyTermMembers<NeighbourPenalty>;
  /// Calls pair(i, j) for every right and down neighbour pair of an h×w plane.
  template <class Pair>
  static void for_each_pair(std::size_t h, std::size_t w, Pair&& pair) {
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const std::size_t i = y * w + x;
        if (x + 1 < w) pair(i, i + 1);
        if (y + 1 < h) pair(i, i + w);
      }
  }

  template <class Scalar>
  double run(const Image<Scalar>& x, Image<Scalar>* g) const {
    require(x.shape()[0] == kChannels, "NeighbourPenalty: x must have 3 channels");
    const std::size_t n = height(x) * width(x);
    const double scale = 1.0 / double(x.size());
    double sum = 0;
    for (std::size_t c = 0; c < kChannels; ++c) {
      const Scalar* xc = x.data() + c * n;
      Scalar* gc = g ? g->data() + c * n : nullptr;
      for_each_pair(height(x), width(x), [&](std::size_t i, std::size_t j) {
        const double d = double(xc[j]) - double(xc[i]);
        sum += rho_.value(d);
        if (gc) {
          const double r = scale * rho_.derivative(d);
          gc[j] = Scalar(double(gc[j]) + r);
          gc[i] = Scalar(double(gc[i]) - r);
        }
      });
    }
    return scale * sum;
  }

  template <class Scalar>
  void majorise(const Image<Scalar>& x0, QuadraticMajoriser& q) const {
    require(x0.shape()[0] == kChannels, "NeighbourPenalty::Majorise: x must have 3 channels");
    const std::size_t n = height(x0) * width(x0);
    const double scale = 1.0 / double(x0.size());
    std::vector<Eigen::Triplet<double>> channel[3], shared;
    double constant = 0;
    for_each_pair(height(x0), width(x0), [&](std::size_t i, std::size_t j) {
      double d0[3];
      for (std::size_t c = 0; c < kChannels; ++c)
        d0[c] = double(x0.data()[c * n + j]) - double(x0.data()[c * n + i]);
      constant += detail::penalty_bound(rho_, d0, q.per_channel, [&](int c, double w) {
        auto& t = c < 0 ? shared : channel[c];
        const double a = scale * w;  // ½·a·(x_j − x_i)²
        t.emplace_back(int(i), int(i), a);
        t.emplace_back(int(j), int(j), a);
        t.emplace_back(int(std::max(i, j)), int(std::min(i, j)), -a);  // lower triangle
      });
    });
    detail::set_majoriser_matrices(q, Eigen::Index(n), q.per_channel, channel, shared);
    q.b = make_image<double>(height(x0), width(x0));
    q.constant = scale * constant;
  }

  Penalty rho_;
};

/// ρ of x − target, a robust data term (see \file).
template <class Penalty>
class ResidualPenalty : public detail::PenaltyTermMembers<ResidualPenalty<Penalty>> {
 public:
  /// `target` (3, H, W) on 0–255.
  ResidualPenalty(Image<double> target, Penalty rho = {})
      : target_(std::move(target)), rho_(std::move(rho)) {
    require(target_.shape()[0] == kChannels, "ResidualPenalty: the target must have 3 channels");
  }

  const Image<double>& target() const { return target_; }
  const Penalty& penalty() const { return rho_; }

 private:
  friend detail::PenaltyTermMembers<ResidualPenalty>;
  template <class Scalar>
  double run(const Image<Scalar>& x, Image<Scalar>* g) const {
    check_same_size(x, "ResidualPenalty: x", target_, "target");
    const double scale = 1.0 / double(x.size());
    double sum = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double d = double(x.data()[k]) - target_.data()[k];
      sum += rho_.value(d);
      if (g) g->data()[k] = Scalar(scale * rho_.derivative(d));
    }
    return scale * sum;
  }

  template <class Scalar>
  void majorise(const Image<Scalar>& x0, QuadraticMajoriser& q) const {
    check_same_size(x0, "ResidualPenalty::Majorise: x", target_, "target");
    const std::size_t n = height(x0) * width(x0);
    const double scale = 1.0 / double(x0.size());
    std::vector<Eigen::Triplet<double>> channel[3], shared;
    q.b = make_image<double>(height(x0), width(x0));
    double constant = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double d0[3];
      for (std::size_t c = 0; c < kChannels; ++c)
        d0[c] = double(x0.data()[c * n + i]) - target_.data()[c * n + i];
      const double bound = detail::penalty_bound(rho_, d0, q.per_channel, [&](int c, double w) {
        // ½·w·(x − t)² = ½·w·x² − w·t·x + ½·w·t², per channel using this weight
        for (std::size_t ch = 0; ch < kChannels; ++ch) {
          if (c >= 0 && std::size_t(c) != ch) continue;
          const double t = target_.data()[ch * n + i];
          q.b.data()[ch * n + i] = scale * w * t;
          constant += 0.5 * w * t * t;
        }
        (c < 0 ? shared : channel[c]).emplace_back(int(i), int(i), scale * w);
      });
      constant += bound;
    }
    detail::set_majoriser_matrices(q, Eigen::Index(n), q.per_channel, channel, shared);
    q.constant = scale * constant;
  }

  Image<double> target_;
  Penalty rho_;
};

template <class Penalty>
NeighbourPenalty(Penalty) -> NeighbourPenalty<Penalty>;
template <class Penalty>
ResidualPenalty(Image<double>, Penalty) -> ResidualPenalty<Penalty>;

}  // namespace ismooth
