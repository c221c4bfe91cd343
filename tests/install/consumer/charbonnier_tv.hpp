#pragma once
// A user's own energy term, written as a researcher would against the
// installed headers: Charbonnier total variation on 4-neighbour differences,
//   TV(x) = Σ_c Σ_(i,j) sqrt((x_i − x_j)² + ε²) − ε
// over right and down neighbours, and a quadratic data term ½‖x − I‖². Both
// model the DifferentiableObjective concept (objective.hpp) with plain
// members; nothing else of ismooth is needed.
#include <cmath>
#include <ismooth/image.hpp>

struct CharbonnierTv {
  double epsilon = 1.0;

  double EvaluateWithGradient(const ismooth::Image<double>& x, ismooth::Image<double>& g) const {
    g.resize(x.shape());
    g.fill(0);
    double value = 0;
    const std::size_t h = ismooth::height(x), w = ismooth::width(x);
    auto pair = [&](std::size_t c, std::size_t yi, std::size_t xi, std::size_t yj, std::size_t xj) {
      const double d = x(c, yi, xi) - x(c, yj, xj);
      const double s = std::sqrt(d * d + epsilon * epsilon);
      value += s - epsilon;
      g(c, yi, xi) += d / s;
      g(c, yj, xj) -= d / s;
    };
    for (std::size_t c = 0; c < ismooth::kChannels; ++c)
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t xx = 0; xx < w; ++xx) {
          if (xx + 1 < w) pair(c, y, xx, y, xx + 1);
          if (y + 1 < h) pair(c, y, xx, y + 1, xx);
        }
    return value;
  }
};

struct QuadraticData {
  ismooth::Image<double> input;

  double Evaluate(const ismooth::Image<double>& x) const {
    double s = 0;
    for (std::size_t k = 0; k < x.size(); ++k)
      s += 0.5 * (x.data()[k] - input.data()[k]) * (x.data()[k] - input.data()[k]);
    return s;
  }
  void Gradient(const ismooth::Image<double>& x, ismooth::Image<double>& g) const {
    g = x - input;
  }
};
