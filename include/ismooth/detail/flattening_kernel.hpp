#pragma once
// Internal: the vectorised pair loop of the flattening term.
// Include "ismooth/flattening_term.hpp" instead.
//
// Why it looks like this:
// * Pair symmetry. ρ_p(d) is even, w^s and w^r are symmetric, so the ordered
//   pairs (i, j) and (j, i) of Eq. 5 share d = T_i − T_j. Per unordered pair
//   we add c_L·ρ_{p_large}(d) + c_S·ρ_{p_small}(d) with
//     c_L = α·w^s·(k^L_i + k^L_j),  c_S = w^r·(k^S_i + k^S_j),
//   where k^L = [B = 0]·M and k^S = [B = 0]·(1 − M) say whether a pixel is a
//   flattening centre and which penalty it uses. Half the window, one pow.
// * Rows. Planar images make each (offset, row) a pair of contiguous runs, so
//   Eigen's packet math (exp, log, min/max, div) vectorises the whole step.
// * Bands. Rows are cut into bands at least `radius` tall. A band writes the
//   gradient of its own rows and of at most `radius` rows below, so bands
//   two apart never touch the same pixel: even bands run in parallel, then
//   odd bands. Each pixel receives its contributions in the same order
//   whatever the thread count, so results are bit-identical for 1 or 2 threads.
// * Colour weights depend only on I: cached per (offset, pixel) when they fit
//   the budget, recomputed per row otherwise (bounded memory at 720p+).

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "ismooth/energy_params.hpp"
#include "ismooth/image.hpp"

namespace ismooth::detail {

template <class Scalar>
using ArrayX = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
template <class Scalar>
using ConstRun = Eigen::Map<const ArrayX<Scalar>>;
template <class Scalar>
using Run = Eigen::Map<ArrayX<Scalar>>;

/// Offsets (dy, dx) of one half of the (2r+1)² window: dy > 0, or dy = 0 and
/// dx > 0. Each unordered pair {i, i + o} is visited once.
inline std::vector<std::array<int, 2>> half_window(int r) {
  std::vector<std::array<int, 2>> offsets;
  for (int dy = 0; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx)
      if (dy > 0 || dx > 0) offsets.push_back({dy, dx});
  return offsets;
}

/// ρ_p and its derivative on a run of differences, weighted by a coefficient
/// run: adds Σ coef·ρ_p(d) to the returned value and coef·ρ'_p(d) to `flux`
/// (if wanted). `d2` receives d², `q` scratch.
///
/// One log and one exp per element: with s = d² (+ ε²) and q = s^{p/2 − 1},
///   ρ = s·q (− ε^p),  ρ' = p·d·q,  clipped ρ' = p·d·min(q, 1/|d|).
/// For ε = 0, s is clamped below by δ² (δ = 1e-15 in float, 1e-150 in
/// double) so q stays finite: d = 0 then gives ρ = 0 and ρ' = 0 exactly
/// (sign(0) = 0, docs/spec/energy.md §10); only |d| < δ, far below any intensity
/// difference on the 0–255 scale, sees the clamp.
template <class Scalar>
struct Penalty {
  Scalar p;
  Scalar epsilon;
  bool clipped;

  static constexpr Scalar kDelta2 = sizeof(Scalar) == 4 ? Scalar(1e-30) : Scalar(1e-300);

  template <class Coef>
  double apply(const ArrayX<Scalar>& d, const Coef& coef, ArrayX<Scalar>* flux, ArrayX<Scalar>& d2,
               ArrayX<Scalar>& q) const {
    if (p == Scalar(2) && epsilon == Scalar(0)) {
      const double v = (coef * d.square()).sum();
      if (flux) {
        if (clipped)
          *flux += Scalar(2) * coef * d.max(Scalar(-1)).min(Scalar(1));
        else
          *flux += Scalar(2) * coef * d;
      }
      return v;
    }
    double v;
    if (epsilon == Scalar(0)) {
      d2 = d.square();
      q = ((p / Scalar(2) - Scalar(1)) * d2.max(kDelta2).log()).exp();
      v = (coef * d2 * q).sum();
    } else {
      // Smoothed penalty (d² + ε²)^{p/2} − ε^p: zero at d = 0, so the self
      // pairs we skip contribute nothing.
      d2 = d.square() + epsilon * epsilon;
      q = ((p / Scalar(2) - Scalar(1)) * d2.log()).exp();
      v = (coef * (d2 * q - std::pow(epsilon, p))).sum();
    }
    if (flux) {
      if (clipped)
        *flux += p * coef * d * q.min(d.abs().max(Scalar(1e-30)).inverse());
      else
        *flux += p * coef * d * q;
    }
    return v;
  }
};

/// Everything of the flattening term that depends only on I, B and the
/// parameters, plus the pair loop itself.
template <class Scalar>
class FlatteningKernel {
 public:
  /// `yuv`: YUV of the input (colour.hpp), shape (3, H, W).
  FlatteningKernel(Image<Scalar> yuv, const EnergyParams& params, std::size_t colour_cache_budget)
      : yuv_(std::move(yuv)),
        h_(long(height(yuv))),
        w_(long(width(yuv))),
        offsets_(half_window(params.radius)),
        large_{Scalar(params.p_large), Scalar(params.epsilon),
               params.gradient == GradientMode::clipped},
        small_{Scalar(params.p_small), Scalar(params.epsilon),
               params.gradient == GradientMode::clipped},
        alpha_(Scalar(params.alpha)),
        colour_k_(Scalar(1.0 / (2.0 * params.sigma_r * params.sigma_r))),
        colour_floor_(Scalar(params.colour_weight_floor)),
        band_(std::max(params.radius, 8)) {
    const double ks = 1.0 / (2.0 * params.sigma_s * params.sigma_s);
    for (const auto& o : offsets_)
      spatial_.push_back(Scalar(std::exp(-(o[0] * o[0] + o[1] * o[1]) * ks)));
    const std::size_t n = std::size_t(h_ * w_);
    if (offsets_.size() * n * sizeof(Scalar) <= colour_cache_budget) build_colour_cache();
  }

  bool caches_colour_weights() const { return !colour_cache_.empty(); }
  std::size_t colour_cache_bytes() const { return colour_cache_.size() * sizeof(Scalar); }
  std::size_t pairs_per_evaluation() const {
    std::size_t pairs = 0;
    for (const auto& o : offsets_)
      pairs +=
          std::size_t(std::max(0L, h_ - o[0])) * std::size_t(std::max(0L, w_ - std::abs(o[1])));
    return pairs;
  }

  /// Σ over unordered pairs of c_L ρ_L + c_S ρ_S (no 1/(3N) normaliser), for
  /// centre flags k^L, k^S (each N values in {0, 1}); adds grad_scale · ∂/∂T
  /// of that sum into `g` when given.
  double run(const Scalar* t, const std::vector<Scalar>& k_large,
             const std::vector<Scalar>& k_small, Scalar grad_scale, Scalar* g) const {
    const long n_bands = (h_ + band_ - 1) / band_;
    const std::vector<char> row_large = rows_with_centres(k_large);
    const std::vector<char> row_small = rows_with_centres(k_small);
    std::vector<double> partial(std::size_t(n_bands), 0.0);
    for (long phase = 0; phase < 2; ++phase) {
#pragma omp parallel for schedule(dynamic, 1)
      for (long b = phase; b < n_bands; b += 2)
        partial[std::size_t(b)] =
            run_band(b, t, k_large, k_small, row_large, row_small, grad_scale, g);
    }
    double total = 0;
    for (double v : partial) total += v;
    return total;
  }

  /// The half-window offsets (dy, dx) in the order the pair loops use them.
  const std::vector<std::array<int, 2>>& offsets() const { return offsets_; }
  /// Number of row bands of the pair loops.
  long bands() const { return (h_ + band_ - 1) / band_; }

  /// For assembling IRLS majorisers (flattening_majoriser.hpp): visits every
  /// run of unordered pairs {i, i + o}, i = y·W + x0 + k for k < n, in the
  /// band order of run(). `make(b)` is called once per band b (0 ≤ b <
  /// bands()), in the thread that runs it, and returns the visitor
  ///     visit(std::size_t o, long y, long x0, long n, const Scalar* c_large,
  ///           const Scalar* c_small)
  /// with the pair coefficients c_L = α·w^s·(k^L_i + k^L_j) and
  /// c_S = w^r·(k^S_i + k^S_j) of run(); a pointer is null when that
  /// coefficient is zero on the whole run. Every run is visited, also runs
  /// with both null. A visitor may write data of the pixels of its pairs only
  /// (rows y .. y + radius): bands two apart never share such a pixel.
  template <class MakeVisitor>
  void for_each_pair_run(const std::vector<Scalar>& k_large, const std::vector<Scalar>& k_small,
                         MakeVisitor&& make) const {
    const long n_bands = (h_ + band_ - 1) / band_;
    const std::vector<char> row_large = rows_with_centres(k_large);
    const std::vector<char> row_small = rows_with_centres(k_small);
    for (long phase = 0; phase < 2; ++phase) {
#pragma omp parallel for schedule(dynamic, 1)
      for (long b = phase; b < n_bands; b += 2) {
        auto visit = make(b);
        const long y_begin = b * band_, y_end = std::min(h_, y_begin + band_);
        ArrayX<Scalar> colour(w_), c_large(w_), c_small(w_);
        for (std::size_t o = 0; o < offsets_.size(); ++o) {
          const long dy = offsets_[o][0], dx = offsets_[o][1];
          const long x0 = std::max(0L, -dx), x1 = std::min(w_, w_ - dx), n = x1 - x0;
          if (n <= 0) continue;
          for (long y = y_begin; y < y_end && y + dy < h_; ++y) {
            const bool need_large = row_large[std::size_t(y)] || row_large[std::size_t(y + dy)];
            const bool need_small = row_small[std::size_t(y)] || row_small[std::size_t(y + dy)];
            const std::size_t i0 = std::size_t(y * w_ + x0);
            const std::size_t j0 = std::size_t((y + dy) * w_ + x0 + dx);
            pair_coefficients(o, i0, j0, y, x0, n, need_large, need_small, k_large, k_small,
                              c_large, c_small, colour);
            visit(o, y, x0, n, need_large ? c_large.data() : nullptr,
                  need_small ? c_small.data() : nullptr);
          }
        }
      }
    }
  }

 private:
  /// Per row: does any pixel of `flags` (N values in {0, 1}) say 1? Rows
  /// without L2 (or Lp) centres skip that penalty entirely.
  std::vector<char> rows_with_centres(const std::vector<Scalar>& flags) const {
    std::vector<char> rows(std::size_t(h_), 0);
    for (long y = 0; y < h_; ++y)
      for (long x = 0; x < w_ && !rows[std::size_t(y)]; ++x)
        rows[std::size_t(y)] = flags[std::size_t(y * w_ + x)] != 0;
    return rows;
  }

  /// The coefficient runs of one (offset, row): c_L = α·w^s·(k^L_i + k^L_j)
  /// and c_S = w^r·(k^S_i + k^S_j), into the first n entries of c_large and
  /// c_small (each only where needed).
  void pair_coefficients(std::size_t o, std::size_t i0, std::size_t j0, long y, long x0, long n,
                         bool need_large, bool need_small, const std::vector<Scalar>& k_large,
                         const std::vector<Scalar>& k_small, ArrayX<Scalar>& c_large,
                         ArrayX<Scalar>& c_small, ArrayX<Scalar>& colour) const {
    if (need_large)
      c_large.head(n) = alpha_ * spatial_[o] *
                        (ConstRun<Scalar>(&k_large[i0], n) + ConstRun<Scalar>(&k_large[j0], n));
    if (need_small) {
      auto cs = c_small.head(n);
      if (caches_colour_weights()) {
        cs = ConstRun<Scalar>(colour_cache_.data() + o * std::size_t(h_ * w_) + i0, n);
      } else {
        colour_row(o, y, x0, n, colour);
        cs = colour.head(n);
      }
      cs *= ConstRun<Scalar>(&k_small[i0], n) + ConstRun<Scalar>(&k_small[j0], n);
    }
  }

  void colour_row(std::size_t o, long y, long x0, long n, ArrayX<Scalar>& out) const {
    const std::size_t plane = std::size_t(h_ * w_);
    const std::size_t i0 = std::size_t(y * w_ + x0);
    const std::size_t j0 = std::size_t((y + offsets_[o][0]) * w_ + x0 + offsets_[o][1]);
    const Scalar* c = yuv_.data();
    out = (ConstRun<Scalar>(c + i0, n) - ConstRun<Scalar>(c + j0, n)).square() +
          (ConstRun<Scalar>(c + plane + i0, n) - ConstRun<Scalar>(c + plane + j0, n)).square() +
          (ConstRun<Scalar>(c + 2 * plane + i0, n) - ConstRun<Scalar>(c + 2 * plane + j0, n))
              .square();
    out = (-colour_k_ * out).exp();
    for (long k = 0; k < n; ++k)
      if (out[k] < colour_floor_) out[k] = 0;
  }

  void build_colour_cache() {
    const std::size_t plane = std::size_t(h_ * w_);
    colour_cache_.assign(offsets_.size() * plane, Scalar(0));
#pragma omp parallel
    {
      ArrayX<Scalar> row(w_);
#pragma omp for schedule(dynamic, 4)
      for (long o = 0; o < long(offsets_.size()); ++o) {
        const long dy = offsets_[std::size_t(o)][0], dx = offsets_[std::size_t(o)][1];
        const long x0 = std::max(0L, -dx), x1 = std::min(w_, w_ - dx);
        if (x1 <= x0) continue;
        for (long y = 0; y + dy < h_; ++y) {
          colour_row(std::size_t(o), y, x0, x1 - x0, row);
          std::copy(row.data(), row.data() + (x1 - x0),
                    colour_cache_.data() + std::size_t(o) * plane + std::size_t(y * w_ + x0));
        }
      }
    }
  }

  double run_band(long b, const Scalar* t, const std::vector<Scalar>& k_large,
                  const std::vector<Scalar>& k_small, const std::vector<char>& row_large,
                  const std::vector<char>& row_small, Scalar grad_scale, Scalar* g) const {
    const std::size_t plane = std::size_t(h_ * w_);
    const long y_begin = b * band_, y_end = std::min(h_, y_begin + band_);
    ArrayX<Scalar> colour(w_), c_large(w_), c_small(w_), d(w_), flux(w_), s1(w_), s2(w_);
    double value = 0;
    for (std::size_t o = 0; o < offsets_.size(); ++o) {
      const long dy = offsets_[o][0], dx = offsets_[o][1];
      const long x0 = std::max(0L, -dx), x1 = std::min(w_, w_ - dx), n = x1 - x0;
      if (n <= 0) continue;
      // Resizing is a no-op unless the run length changed with the offset.
      d.resize(n);
      flux.resize(n);
      s1.resize(n);
      s2.resize(n);
      for (long y = y_begin; y < y_end && y + dy < h_; ++y) {
        const bool need_large = row_large[std::size_t(y)] || row_large[std::size_t(y + dy)];
        const bool need_small = row_small[std::size_t(y)] || row_small[std::size_t(y + dy)];
        if (!need_large && !need_small) continue;
        const std::size_t i0 = std::size_t(y * w_ + x0);
        const std::size_t j0 = std::size_t((y + dy) * w_ + x0 + dx);
        auto cl = c_large.head(n), cs = c_small.head(n);
        pair_coefficients(o, i0, j0, y, x0, n, need_large, need_small, k_large, k_small, c_large,
                          c_small, colour);
        for (std::size_t c = 0; c < kChannels; ++c) {
          const Scalar* ti = t + c * plane + i0;
          const Scalar* tj = t + c * plane + j0;
          d = ConstRun<Scalar>(ti, n) - ConstRun<Scalar>(tj, n);
          ArrayX<Scalar>* fx = nullptr;
          if (g) {
            flux.setZero();
            fx = &flux;
          }
          if (need_large) value += large_.apply(d, cl, fx, s1, s2);
          if (need_small) value += small_.apply(d, cs, fx, s1, s2);
          if (g) {
            Run<Scalar>(g + c * plane + i0, n) += grad_scale * flux;
            Run<Scalar>(g + c * plane + j0, n) -= grad_scale * flux;
          }
        }
      }
    }
    return value;
  }

  Image<Scalar> yuv_;
  long h_, w_;
  std::vector<std::array<int, 2>> offsets_;
  std::vector<Scalar> spatial_;
  std::vector<Scalar> colour_cache_;
  Penalty<Scalar> large_, small_;
  Scalar alpha_, colour_k_, colour_floor_;
  long band_;
};

}  // namespace ismooth::detail
