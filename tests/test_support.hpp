#pragma once
// Shared helpers of the unit tests: random images and finite differences.

#include <random>
#include <string>

#include "ismooth/error.hpp"
#include "ismooth/image.hpp"

namespace ismooth::test {

template <class Scalar>
Image<Scalar> random_image(std::size_t h, std::size_t w, unsigned seed, double lo = 0,
                           double hi = 255) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  Image<Scalar> img = make_image<Scalar>(h, w);
  for (auto& v : img) v = Scalar(u(rng));
  return img;
}

inline Mask random_mask(std::size_t h, std::size_t w, unsigned seed, double p_one) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution b(p_one);
  Mask m(Mask::shape_type{h, w});
  for (auto& v : m) v = b(rng);
  return m;
}

/// Max |a − b| / max(1, max |b|) over all entries.
template <class A, class B>
double relative_max_diff(const A& a, const B& b) {
  double diff = 0, scale = 1;
  for (std::size_t k = 0; k < a.size(); ++k) {
    diff = std::max(diff, std::abs(double(a.data()[k]) - double(b.data()[k])));
    scale = std::max(scale, std::abs(double(b.data()[k])));
  }
  return diff / scale;
}

/// Central finite differences of f at x in every coordinate.
template <class F>
Image<double> finite_difference_gradient(F&& f, Image<double> x, double step = 1e-5) {
  Image<double> g(x.shape());
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double keep = x.data()[k];
    x.data()[k] = keep + step;
    const double up = f(x);
    x.data()[k] = keep - step;
    const double down = f(x);
    x.data()[k] = keep;
    g.data()[k] = (up - down) / (2 * step);
  }
  return g;
}

/// The ismooth::Error message `f` throws, or a marker that it threw none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no ismooth::Error thrown>";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace ismooth::test
