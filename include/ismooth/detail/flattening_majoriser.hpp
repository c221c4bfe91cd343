#pragma once
// Internal: assembly of the IRLS majoriser of the flattening term
// (docs/spec/energy.md §11, paper Sec. 5.1). Include "ismooth/flattening_term.hpp".
//
// Per unordered pair u = {i, j} and channel c the kernel's energy is
// c_L·ρ_L(d) + c_S·ρ_S(d), d = T_ic − T_jc, with ρ(d) = (d² + e²)^{p/2} − e^p
// (e = the energy's own smoothing, normally 0). ρ is concave in s = d², so its
// tangent in s at s⁰ is an upper bound for every d:
//     ρ(d) ≤ a·d² + k,   a = (p/2)(s⁰ + e²)^{p/2−1},   k = ρ(s⁰) − a·s⁰,
// with equality at d² = s⁰. We take s⁰ = max(d⁰², δ²): pairs with |d⁰| < δ
// are expanded at δ, which keeps a finite (|d|^p has no tangent quadratic at
// 0) and the bound valid, at a gap ≤ (1 − p/2)·δ^p at T⁰ (majoriser.hpp).
// For p = 2 the bound is the penalty itself (a = 1, k = 0).
//
// Summed with the normaliser `scale` (= λ_f/(3N)) this is
//     scale·Σ_u ω_uc (x_i − x_j)² + const = ½ x_cᵀ (2·scale·L_c) x_c + const,
// L_c the graph Laplacian with edge weights ω_uc = c_L·a_L + c_S·a_S.
//
// Layout: CSC lower triangle of the (2r+1)² window graph, fixed whatever T,
// the mask and the weights (zero weights stay stored), so linear solvers
// analyse it once. Column i holds row i (the diagonal) first, then the rows
// i + dy·W + dx of the half-window offsets that lie in the image, in the
// kernel's offset order, which is increasing row order: for offsets inside
// the image, (dy, dx) order is (y, x) order of the neighbour.
//
// Shared mode (one matrix for the three channels) with channel-dependent
// weights: every pair takes ω_u = max_c ω_uc and adds the proximal term
// (ω_u − ω_uc)(d − d⁰)² ≥ 0 per channel, which is zero at T⁰, so the bound
// stays tangent; its linear part goes into b.

#include <Eigen/SparseCore>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "ismooth/detail/flattening_kernel.hpp"
#include "ismooth/majoriser.hpp"

namespace ismooth::detail {

/// One penalty of the pair loop as the majoriser sees it.
struct MajorisedPenalty {
  double p;  ///< exponent
  double e;  ///< the energy's smoothing ε (0 = exact |d|^p)
  bool quadratic() const { return p == 2; }
};

/// Geometry of the lower-triangle window pattern.
class WindowPattern {
 public:
  WindowPattern(long h, long w, const std::vector<std::array<int, 2>>& offsets)
      : h_(h), w_(w), offsets_(offsets), slot_(offsets.size() * std::size_t(w), -1) {
    // The slot of offset o at column x: how many offsets before it are inside
    // the image horizontally (vertical validity of earlier offsets follows
    // from that of o, whose dy is at least theirs).
    for (long x = 0; x < w_; ++x) {
      int count = 0;
      for (std::size_t o = 0; o < offsets_.size(); ++o)
        if (inside_x(o, x)) slot_[o * std::size_t(w_) + std::size_t(x)] = count++;
    }
  }

  /// Position of the pair (i, i + o) in the values of column i, i = (y, x),
  /// counted after the diagonal entry.
  int slot(std::size_t o, long x) const { return slot_[o * std::size_t(w_) + std::size_t(x)]; }

  /// Entries of column (y, x), diagonal included.
  int column_size(long y, long x) const {
    int count = 1;
    for (std::size_t o = 0; o < offsets_.size(); ++o)
      count += inside_x(o, x) && y + offsets_[o][0] < h_;
    return count;
  }

  /// Whether m has exactly this pattern (compressed, same indices).
  bool matches(const SparseMatrixD& m) const {
    const long n = h_ * w_;
    if (m.rows() != n || m.cols() != n || !m.isCompressed()) return false;
    const int* outer = m.outerIndexPtr();
    const int* inner = m.innerIndexPtr();
    if (outer[0] != 0) return false;
    bool ok = true;
#pragma omp parallel for schedule(static) reduction(&& : ok)
    for (long y = 0; y < h_; ++y) {
      for (long x = 0; x < w_ && ok; ++x) {
        const long i = y * w_ + x;
        int pos = outer[i];
        if (outer[i + 1] - pos != column_size(y, x) || inner[pos] != i) {
          ok = false;
          break;
        }
        ++pos;
        for (std::size_t o = 0; o < offsets_.size(); ++o)
          if (inside_x(o, x) && y + offsets_[o][0] < h_)
            ok = ok && inner[pos++] == i + offsets_[o][0] * w_ + offsets_[o][1];
      }
    }
    return ok;
  }

  /// A matrix with this pattern and zero values.
  SparseMatrixD build() const {
    const long n = h_ * w_;
    std::vector<int> outer(std::size_t(n) + 1, 0);
    for (long y = 0; y < h_; ++y)
      for (long x = 0; x < w_; ++x) outer[std::size_t(y * w_ + x) + 1] = column_size(y, x);
    for (long i = 0; i < n; ++i) {
      require(long(outer[std::size_t(i) + 1]) <=
                  long(std::numeric_limits<int>::max()) - outer[std::size_t(i)],
              "IRLS majoriser: the ", w_, "x", h_, " image with ", offsets_.size(),
              " pairs per pixel has more than 2^31 matrix entries; use a smaller radius");
      outer[std::size_t(i) + 1] += outer[std::size_t(i)];
    }
    SparseMatrixD m(n, n);
    m.resizeNonZeros(outer.back());
    std::copy(outer.begin(), outer.end(), m.outerIndexPtr());
    int* inner = m.innerIndexPtr();
    double* values = m.valuePtr();
#pragma omp parallel for schedule(static)
    for (long y = 0; y < h_; ++y)
      for (long x = 0; x < w_; ++x) {
        const long i = y * w_ + x;
        int pos = outer[std::size_t(i)];
        values[pos] = 0;
        inner[pos++] = int(i);
        for (std::size_t o = 0; o < offsets_.size(); ++o)
          if (inside_x(o, x) && y + offsets_[o][0] < h_) {
            values[pos] = 0;
            inner[pos++] = int(i + offsets_[o][0] * w_ + offsets_[o][1]);
          }
      }
    return m;
  }

 private:
  bool inside_x(std::size_t o, long x) const {
    const long xx = x + offsets_[o][1];
    return xx >= 0 && xx < w_;
  }

  long h_, w_;
  const std::vector<std::array<int, 2>>& offsets_;
  std::vector<int> slot_;
};

/// Gives `m` the pattern (rebuilding only when it differs, so the storage of
/// the previous IRLS iteration is reused).
inline void ensure_pattern(SparseMatrixD& m, const WindowPattern& pattern,
                           const SparseMatrixD* built) {
  if (pattern.matches(m)) return;
  m = built && pattern.matches(*built) ? *built : pattern.build();
}

/// Fills q with the majoriser of scale·Σ_pairs (c_L ρ_L + c_S ρ_S) at T⁰ = t
/// (planar, 3 channels of h·w), plus `diagonal`·I on every matrix. q.b gets
/// only the shared-mode linear terms (zeros otherwise) and q.constant the sum
/// of the bound's constants. Per-channel matrices when the weights depend on
/// the channel and q.per_channel; else one shared matrix q.A.
template <class Scalar>
void assemble_flattening_majoriser(const FlatteningKernel<Scalar>& kernel, const Scalar* t, long h,
                                   long w, const std::vector<Scalar>& k_large,
                                   const std::vector<Scalar>& k_small, MajorisedPenalty large,
                                   MajorisedPenalty small, double scale, double diagonal,
                                   QuadraticMajoriser& q) {
  const long n = h * w;
  const std::size_t plane = std::size_t(n);
  bool any_large = false, any_small = false;
  for (long k = 0; k < n; ++k) {
    any_large |= k_large[std::size_t(k)] != 0;
    any_small |= k_small[std::size_t(k)] != 0;
  }
  // Channel-independent weights: only p = 2 penalties are in use.
  const bool shared_exact = (!any_large || large.quadratic()) && (!any_small || small.quadratic());
  const bool per_channel = !shared_exact && q.per_channel;
  const int matrices = per_channel ? 3 : 1;

  const WindowPattern pattern(h, w, kernel.offsets());
  std::vector<SparseMatrixD*> target;
  if (per_channel) {
    q.channel_A.resize(kChannels);
    for (auto& m : q.channel_A) {
      ensure_pattern(m, pattern, target.empty() ? nullptr : target.front());
      target.push_back(&m);
    }
    q.A.resize(n, n);  // no entries: all of the matrix is per channel
    q.A.data().squeeze();
  } else {
    q.channel_A.clear();
    ensure_pattern(q.A, pattern, nullptr);
    target.push_back(&q.A);
  }
  q.b = make_image<double>(std::size_t(h), std::size_t(w), 0.0);
  std::vector<std::vector<double>> diag(std::size_t(matrices), std::vector<double>(plane, 0.0));
  std::vector<double> band_constant(std::size_t(kernel.bands()), 0.0);

  const double delta2 = q.expansion_floor * q.expansion_floor;
  const int* outer = target.front()->outerIndexPtr();
  const double two_scale = 2 * scale;
  using ArrayXd = Eigen::ArrayXd;
  using Map = Eigen::Map<ArrayXd>;

  // a(d) and k(d) of one penalty on a run: tangent in s = max(d², δ²).
  auto tangent = [&](const MajorisedPenalty& pen, const ArrayXd& d, ArrayXd& a, ArrayXd& k,
                     ArrayXd& s) {
    if (pen.quadratic()) {
      a.setOnes(d.size());
      k.setZero(d.size());
      return;
    }
    s = d.square().max(delta2);
    const double e2 = pen.e * pen.e;
    a = ((pen.p / 2 - 1) * (s + e2).log()).exp();  // (s + e²)^{p/2 − 1}
    k = (s + e2) * a - std::pow(e2, pen.p / 2);    // ρ at s
    a *= pen.p / 2;
    k -= a * s;
  };

  kernel.for_each_pair_run(k_large, k_small, [&](long band) {
    // Per band: scratch runs and this band's share of the constant.
    struct Visitor {
      decltype(tangent)& tangent_fn;
      const Scalar* t;
      std::size_t plane;
      long w;
      const WindowPattern& pattern;
      const std::vector<std::array<int, 2>>& offsets;
      const int* outer;
      std::vector<SparseMatrixD*>& target;
      std::vector<std::vector<double>>& diag;
      Image<double>& b;
      double& constant;
      MajorisedPenalty large, small;
      bool per_channel, shared_exact;
      double scale, two_scale;
      std::array<ArrayXd, 3> d, omega;
      ArrayXd a, k, s, kappa, cl, cs, wmax;

      void operator()(std::size_t o, long y, long x0, long n, const Scalar* c_large,
                      const Scalar* c_small) {
        const long i0 = y * w + x0, j0 = i0 + offsets[o][0] * w + offsets[o][1];
        kappa.setZero(n);
        if (c_large)
          cl = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(c_large, n)
                   .template cast<double>();
        if (c_small)
          cs = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(c_small, n)
                   .template cast<double>();
        const int channels = shared_exact ? 1 : 3;
        for (int c = 0; c < channels; ++c) {
          const Scalar* tc = t + std::size_t(c) * plane;
          d[c] = (Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(tc + i0, n) -
                  Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(tc + j0, n))
                     .template cast<double>();
          omega[c].setZero(n);
          if (c_large) {
            tangent_fn(large, d[c], a, k, s);
            omega[c] += cl * a;
            kappa += cl * k;
          }
          if (c_small) {
            tangent_fn(small, d[c], a, k, s);
            omega[c] += cs * a;
            kappa += cs * k;
          }
        }
        if (shared_exact) kappa *= 3;  // the same k in every channel
        if (per_channel) {
          for (int c = 0; c < 3; ++c) write(0 + c, o, i0, j0, x0, n, omega[c]);
        } else if (shared_exact) {
          write(0, o, i0, j0, x0, n, omega[0]);
        } else {
          wmax = omega[0].max(omega[1]).max(omega[2]);
          write(0, o, i0, j0, x0, n, wmax);
          for (int c = 0; c < 3; ++c) {
            // (ω − ω_c)(d − d⁰)²: linear part −2(ω − ω_c)d⁰·(x_i − x_j) → b.
            a = (wmax - omega[c]) * d[c];
            Map(b.data() + std::size_t(c) * plane + i0, n) += two_scale * a;
            Map(b.data() + std::size_t(c) * plane + j0, n) -= two_scale * a;
            kappa += a * d[c];
          }
        }
        constant += scale * kappa.sum();
      }

      void write(int m, std::size_t o, long i0, long j0, long x0, long n, const ArrayXd& om) {
        double* values = target[std::size_t(m)]->valuePtr();
        for (long k = 0; k < n; ++k)
          values[outer[i0 + k] + 1 + pattern.slot(o, x0 + k)] = -two_scale * om[k];
        Map(diag[std::size_t(m)].data() + i0, n) += two_scale * om;
        Map(diag[std::size_t(m)].data() + j0, n) += two_scale * om;
      }
    };
    return Visitor{tangent,
                   t,
                   plane,
                   w,
                   pattern,
                   kernel.offsets(),
                   outer,
                   target,
                   diag,
                   q.b,
                   band_constant[std::size_t(band)],
                   large,
                   small,
                   per_channel,
                   shared_exact,
                   scale,
                   two_scale,
                   {},
                   {},
                   {},
                   {},
                   {},
                   {},
                   {},
                   {},
                   {}};
  });

  q.constant = 0;
  for (double v : band_constant) q.constant += v;
  for (int m = 0; m < matrices; ++m) {
    double* values = target[std::size_t(m)]->valuePtr();
    const std::vector<double>& dm = diag[std::size_t(m)];
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i) values[outer[i]] = dm[std::size_t(i)] + diagonal;
  }
}

}  // namespace ismooth::detail
