#pragma once
// Shared helpers of the unit tests: random images and finite differences.

#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <vector>

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

/// The s of simd_power.hpp's tests: every float exponent from 2^-99 up with
/// random mantissas, the d² of small integers (what the pair loop meets
/// most), 1e-30, 1 and FLT_MAX; padded with 2 to a multiple of `multiple`.
inline std::vector<float> power_test_inputs(std::size_t multiple) {
  std::vector<float> s;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  for (int e = -99; e <= 127; ++e)
    for (int k = 0; k < 48; ++k) s.push_back(std::ldexp(mantissa(rng), e));
  for (int d = 1; d <= 255; ++d) s.push_back(float(d * d));
  s.push_back(1e-30f);
  s.push_back(1.0f);
  s.push_back(std::numeric_limits<float>::max());
  while (s.size() % multiple != 0) s.push_back(2.0f);
  return s;
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
