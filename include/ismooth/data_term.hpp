#pragma once
/// \file
/// The data term (docs/spec/energy.md §2, paper Eq. 2):
///
///     E_d(T) = 1/(3N) · Σ_i Σ_c (T_ic − I_ic)²
///
/// We use 1/(3N) (the implementation's mean over all 3N values) where the
/// paper writes 1/N·Σ‖T_i − I_i‖²: same minimiser, and E_f uses the same
/// normaliser so λ_f keeps its meaning.

#include <algorithm>
#include <vector>

#include "ismooth/image.hpp"
#include "ismooth/majoriser.hpp"

namespace ismooth {

template <class Scalar>
class DataTerm {
 public:
  /// `input`: the image I being smoothed, (3, H, W), 0–255.
  explicit DataTerm(Image<Scalar> input) : input_(std::move(input)) {
    check_image(input_, "DataTerm: input");
  }

  const Image<Scalar>& input() const { return input_; }

  double Evaluate(const Image<Scalar>& t) const { return accumulate(t, 0, nullptr); }

  double EvaluateWithGradient(const Image<Scalar>& t, Image<Scalar>& g) const {
    g.resize(t.shape());
    g.fill(0);
    return accumulate(t, 1, &g);
  }

  void Gradient(const Image<Scalar>& t, Image<Scalar>& g) const { EvaluateWithGradient(t, g); }

  /// Returns E_d(T) and, if `g` is given, adds `weight`·∇E_d(T) to it.
  double accumulate(const Image<Scalar>& t, double weight, Image<Scalar>* g) const {
    check_same_size(t, "DataTerm: T", input_, "input I");
    const std::size_t n = input_.size();
    const Scalar* ti = t.data();
    const Scalar* ii = input_.data();
    const double inv = 1.0 / double(n);
    const Scalar gscale = Scalar(2 * weight * inv);
    Scalar* gi = g ? g->data() : nullptr;
    // Fixed blocks summed in order: the same value whatever the thread count.
    constexpr std::size_t block = 4096;
    std::vector<double> partial((n + block - 1) / block, 0.0);
#pragma omp parallel for schedule(static)
    for (std::size_t b = 0; b < partial.size(); ++b) {
      double sum = 0;
      for (std::size_t k = b * block; k < std::min(n, (b + 1) * block); ++k) {
        const Scalar d = ti[k] - ii[k];
        sum += double(d) * double(d);
        if (gi) gi[k] += gscale * d;
      }
      partial[b] = sum;
    }
    double sum = 0;
    for (double v : partial) sum += v;
    return sum * inv;
  }

  /// IRLS majoriser (majoriser.hpp): E_d is quadratic, so the bound is E_d
  /// itself: A = (2/(3N))·I shared by the channels, b = (2/(3N))·I_c,
  /// constant = Σ I²/(3N).
  void Majorise(const Image<Scalar>& t, QuadraticMajoriser& q) const {
    check_same_size(t, "DataTerm::Majorise: T", input_, "input I");
    const Eigen::Index n = Eigen::Index(height(input_) * width(input_));
    q.A.resize(n, n);
    q.A.setIdentity();
    q.A *= 2.0 / double(input_.size());
    q.channel_A.clear();
    q.b = make_image<double>(height(input_), width(input_), 0.0);
    q.constant = 0;
    add_linear_part(q);
  }

  /// Adds E_d's b and constant to q (its matrix, (2/(3N))·I, is the caller's).
  void add_linear_part(QuadraticMajoriser& q) const {
    const double inv = 1.0 / double(input_.size());
    double sum = 0;
    for (std::size_t k = 0; k < input_.size(); ++k) {
      const double v = double(input_.data()[k]);
      q.b.data()[k] += 2 * inv * v;
      sum += v * v;
    }
    q.constant += sum * inv;
  }

 private:
  Image<Scalar> input_;
};

}  // namespace ismooth
