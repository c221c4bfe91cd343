#pragma once
/// \file
/// The paper's energy (docs/spec/energy.md §1, Eq. 1) as one DifferentiableObjective:
///
///     E(T) = E_d(T) + λ_f · E_f(T) + λ_e · E_e(T)
///
/// It computes E(T) once per evaluation and shares it between the edge term
/// and the adaptive L2 mask, and accumulates every term's gradient in place.
/// To add terms of your own, wrap it in a WeightedSum (objective.hpp).

#include "ismooth/data_term.hpp"
#include "ismooth/edge_term.hpp"
#include "ismooth/flattening_term.hpp"

namespace ismooth {

/// One evaluation of the energy, term by term, on the 0–255 scale. The terms
/// are unweighted; total = data + λ_f·flatten + λ_e·edge.
struct EnergyTerms {
  double data = 0;
  double flatten = 0;
  double edge = 0;
  double total = 0;
  std::size_t edge_pixels = 0;  ///< N_e
  double l2_fraction = 0;       ///< fraction of pixels in the L2 mask M
};

template <class Scalar>
class SmoothingEnergy {
 public:
  using Options = typename FlatteningTerm<Scalar>::Options;

  /// `input` I (3, H, W) on 0–255, `guidance` G (H, W) (normally E(I)),
  /// `edges` B (H, W) 0/1. Presets (presets.hpp) build these for you.
  SmoothingEnergy(Image<Scalar> input, Plane<Scalar> guidance, Mask edges,
                  const EnergyParams& params, PMap pmap = {}, Options options = {})
      : params_((params.validate("SmoothingEnergy"), params)),
        flatten_(input, edges, guidance, params, std::move(pmap), options),
        edge_(std::move(guidance), std::move(edges)),
        data_(std::move(input)) {
    require(height(data_.input()) >= 3 && width(data_.input()) >= 3, "SmoothingEnergy: image is ",
            width(data_.input()), "x", height(data_.input()),
            "; at least 3x3 is needed for the edge response");
  }

  const EnergyParams& params() const { return params_; }
  const Image<Scalar>& input() const { return data_.input(); }
  const DataTerm<Scalar>& data_term() const { return data_; }
  const FlatteningTerm<Scalar>& flattening_term() const { return flatten_; }
  const EdgeTerm<Scalar>& edge_term() const { return edge_; }

  /// The L2 mask M at T.
  Mask l2_mask(const Image<Scalar>& t) const { return flatten_.l2_mask(t); }

  /// All terms at T; adds ∇E(T) to `*g` if given (g must then be (3, H, W)).
  EnergyTerms evaluate_terms(const Image<Scalar>& t, Image<Scalar>* g = nullptr) const {
    check_same_size(t, "SmoothingEnergy: T", input(), "input I");
    const Plane<Scalar> s = channel_sum(t);
    const Plane<Scalar> e = edge_response_of_sum(s);
    const Mask m = flatten_.l2_mask_from_response(e);
    EnergyTerms terms;
    terms.data = data_.accumulate(t, 1.0, g);
    terms.flatten = flatten_.accumulate(t, m, params_.lambda_f, g);
    terms.edge = edge_.accumulate(s, e, params_.lambda_e, g);
    terms.total = terms.data + params_.lambda_f * terms.flatten + params_.lambda_e * terms.edge;
    terms.edge_pixels = edge_.edge_pixels();
    terms.l2_fraction = mask_fraction(m);
    return terms;
  }

  double Evaluate(const Image<Scalar>& t) const { return evaluate_terms(t).total; }

  double EvaluateWithGradient(const Image<Scalar>& t, Image<Scalar>& g) const {
    g.resize(t.shape());
    g.fill(0);
    return evaluate_terms(t, &g).total;
  }

  void Gradient(const Image<Scalar>& t, Image<Scalar>& g) const { EvaluateWithGradient(t, g); }

  /// This energy with the flattening penalty smoothed by ε = `epsilon` grey
  /// levels, (d² + ε²)^{p/2} − ε^p (docs/spec/energy.md §10); 0 = exact.
  /// Same input, guidance, edge map and p map; a new colour-weight cache
  /// (default FlatteningTerm::Options). The Smoothable customisation point
  /// (objective.hpp) through which L-BFGS smooths this energy, alone or as a
  /// part of a WeightedSum.
  SmoothingEnergy Smoothed(double epsilon) const {
    EnergyParams params = params_;
    params.epsilon = epsilon;
    return SmoothingEnergy(input(), edge_.guidance(), edge_.edges(), params, flatten_.pmap());
  }

  /// False when every pair in use has p = 2: (d² + ε²) − ε² = d², so
  /// smoothing would change nothing but the kernel's speed (it leaves its
  /// fast d² path).
  bool NeedsSmoothing() const {
    const PMapKind kind = flatten_.pmap().kind;
    const bool quadratic =
        (params_.p_large == 2 && (params_.p_small == 2 || kind == PMapKind::all_l2)) ||
        (params_.p_small == 2 && kind == PMapKind::all_lp);
    return !quadratic;
  }

  /// IRLS majoriser of E at T⁰ = t (docs/spec/energy.md §11, paper Sec. 5.1;
  /// majoriser.hpp): E_d + λ_f·(bound of E_f), the L2 mask computed
  /// from t (so the adaptive map follows the iterate, as in the paper):
  ///     A_c = (2/(3N))·[I + λ_f·L_c(T⁰)],  b_c = (2/(3N))·I_c.
  /// One matrix for the three channels when every pair in use has p = 2
  /// (all-L2: the bound is E itself), one per channel otherwise unless
  /// q.per_channel is false (see majoriser.hpp).
  ///
  /// The edge-preserving term is not majorised: with λ_e > 0 and edge pixels
  /// present this throws ismooth::Error (the paper also drops it for IRLS,
  /// docs/spec/energy.md §7, §11).
  void Majorise(const Image<Scalar>& t, QuadraticMajoriser& q) const {
    check_same_size(t, "SmoothingEnergy::Majorise: T", input(), "input I");
    if (params_.lambda_e > 0 && edge_.edge_pixels() > 0)
      fail(
          "SmoothingEnergy::Majorise: IRLS cannot minimise the edge-preserving term "
          "(lambda_e = ",
          params_.lambda_e, ", ", edge_.edge_pixels(),
          " edge pixels): it has no quadratic majoriser, and the Gauss-Newton "
          "linearisation of docs/spec/energy.md §11 is not implemented. Minimise with "
          "lambda_e=0 (the energy parameter; the paper's solver comparison does the same), "
          "or use Adam or L-BFGS for the full energy");
    const double n = double(data_.input().size());  // 3N
    flatten_.majorise(t, l2_mask(t), params_.lambda_f, 2.0 / n, q);
    data_.add_linear_part(q);
  }

 private:
  EnergyParams params_;
  FlatteningTerm<Scalar> flatten_;
  EdgeTerm<Scalar> edge_;
  DataTerm<Scalar> data_;
};

}  // namespace ismooth
