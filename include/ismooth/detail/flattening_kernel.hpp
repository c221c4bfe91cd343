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
// * Rows, fused. Planar images make each (offset, row) a pair of contiguous
//   runs per channel. One pass over a run does everything for a batch of
//   xsimd lanes (8 floats with AVX2): coefficients, the three channels'
//   differences, penalties, and the gradient read-modify-write, all in
//   registers. (Expression-by-expression array code made ten passes over
//   memory per run and was twice as slow.)
// * Skipping zeros. A batch whose c_S is zero on every lane (L2 or edge
//   pixels only, or all colour weights below the floor) skips the power, the
//   costly part; one whose c_L and c_S are both zero skips everything. The
//   skipped terms are exact zeros, so the result is the same bits. (A NaN
//   coefficient is not zero and is never skipped; what a skip can drop is a
//   non-finite T at a pixel all of whose pairs have zero coefficients, and
//   the data term is non-finite there anyway.)
// * Bands. Rows are cut into bands at least `radius` tall. A band writes the
//   gradient of its own rows and of at most `radius` rows below, so bands
//   two apart never touch the same pixel: even bands run in parallel, then
//   odd bands. Each pixel receives its contributions in the same order
//   whatever the thread count, so results are bit-identical for 1 or 2 threads.
// * Colour weights depend only on I: cached per (offset, pixel) when they fit
//   the budget, else computed per batch where a lane has an Lp centre
//   (bounded memory at 720p+; the trainer asks for no cache), by the same
//   function, so both give the same bits.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "ismooth/detail/flattening_penalty.hpp"
#include "ismooth/detail/simd_power.hpp"
#include "ismooth/detail/simd_runs.hpp"
#include "ismooth/energy_params.hpp"
#include "ismooth/image.hpp"

namespace ismooth::detail {

/// Offsets (dy, dx) of one half of the (2r+1)² window: dy > 0, or dy = 0 and
/// dx > 0. Each unordered pair {i, i + o} is visited once.
inline std::vector<std::array<int, 2>> half_window(int r) {
  std::vector<std::array<int, 2>> offsets;
  for (int dy = 0; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx)
      if (dy > 0 || dx > 0) offsets.push_back({dy, dx});
  return offsets;
}

/// Everything of the flattening term that depends only on I, B and the
/// parameters, plus the pair loop itself.
template <class Scalar>
class FlatteningKernel {
  using B = Batch<Scalar>;
  struct Centres;

 public:
  /// One band of run()'s pair loop: its value, its gradient added to g
  /// when g is not null. band_loop<V>() is the loop in batches of type V;
  /// the kernel runs band_loop<Batch<Scalar>>() (the build's SIMD flags)
  /// unless set_band_loop() gave another: a compiled library can pass an
  /// instantiation for a wider instruction set, built in a file of its own
  /// with those flags and chosen at run time where the CPU has them (the
  /// trainer's 16-lane AVX-512 loop, network/training/wide_pair_loop.hpp).
  /// Every loop computes the same expressions; the order of a few sums
  /// depends on the lane count (the value's per-lane partial sums; a pixel's
  /// two contributions from one dy = 0 run), so results agree to float
  /// rounding, not bit for bit (test "the 16-lane pair loop gives ...").
  using BandLoop = double (*)(const FlatteningKernel&, long band, const Scalar* t,
                              const Centres&, Scalar grad_scale, Scalar* g);
  template <class V>
  static BandLoop band_loop() {
    return [](const FlatteningKernel& k, long band, const Scalar* t, const Centres& centres,
              Scalar grad_scale, Scalar* g) {
      return g ? k.run_band<V, true>(band, t, centres, grad_scale, g)
               : k.run_band<V, false>(band, t, centres, grad_scale, g);
    };
  }
  /// null: the build's own loop.
  void set_band_loop(BandLoop loop) { band_loop_ = loop ? loop : band_loop<B>(); }

  /// `yuv`: YUV of the input (colour.hpp), shape (3, H, W).
  FlatteningKernel(Image<Scalar> yuv, const EnergyParams& params, std::size_t colour_cache_budget)
      : yuv_(std::move(yuv)),
        h_(long(height(yuv_))),
        w_(long(width(yuv_))),
        offsets_(half_window(params.radius)),
        large_(params.p_large, params.epsilon, params.gradient == GradientMode::clipped),
        small_(params.p_small, params.epsilon, params.gradient == GradientMode::clipped),
        colour_k_(Scalar(1.0 / (2.0 * params.sigma_r * params.sigma_r))),
        colour_floor_(Scalar(params.colour_weight_floor)),
        band_(std::max(params.radius, 8)) {
    const double ks = 1.0 / (2.0 * params.sigma_s * params.sigma_s);
    const Scalar alpha = Scalar(params.alpha);
    for (const auto& o : offsets_)
      large_weight_.push_back(alpha * Scalar(std::exp(-(o[0] * o[0] + o[1] * o[1]) * ks)));
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
    const long n_bands = bands();
    const std::vector<char> rows_large = rows_with_centres(k_large),
                            rows_small = rows_with_centres(k_small);
    const Centres centres = centres_of(k_large, k_small, rows_large, rows_small);
    std::vector<double> partial(std::size_t(n_bands), 0.0);
    for (long phase = 0; phase < 2; ++phase) {
#pragma omp parallel for schedule(dynamic, 1)
      for (long b = phase; b < n_bands; b += 2)
        partial[std::size_t(b)] = band_loop_(*this, b, t, centres, grad_scale, g);
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
    const long n_bands = bands();
    const std::vector<char> rows_large = rows_with_centres(k_large),
                            rows_small = rows_with_centres(k_small);
    const Centres centres = centres_of(k_large, k_small, rows_large, rows_small);
    for (long phase = 0; phase < 2; ++phase) {
#pragma omp parallel for schedule(dynamic, 1)
      for (long b = phase; b < n_bands; b += 2) {
        auto visit = make(b);
        const long y_begin = b * band_, y_end = std::min(h_, y_begin + band_);
        std::vector<Scalar> c_large(static_cast<std::size_t>(w_)), c_small(static_cast<std::size_t>(w_));
        for (std::size_t o = 0; o < offsets_.size(); ++o) {
          const long dy = offsets_[o][0], dx = offsets_[o][1];
          const long x0 = std::max(0L, -dx), x1 = std::min(w_, w_ - dx), n = x1 - x0;
          if (n <= 0) continue;
          for (long y = y_begin; y < y_end && y + dy < h_; ++y) {
            const Run run = pair_run(centres, o, y, x0);
            for_each_batch<B>(n, [&](long x, const auto& lanes) {
              const Coefficients<B> c = coefficients(lanes, o, run.i0 + std::size_t(x),
                                                  run.j0 + std::size_t(x), run.need_large,
                                                  run.need_small, centres);
              lanes.store(c_large.data() + x, c.large);
              lanes.store(c_small.data() + x, c.small);
            });
            visit(o, y, x0, n, run.need_large ? c_large.data() : nullptr,
                  run.need_small ? c_small.data() : nullptr);
          }
        }
      }
    }
  }

 private:
  /// The centre flags k^L, k^S and, per row, whether any pixel of the row
  /// has them: rows without L2 (or Lp) centres skip that penalty entirely.
  /// With the kernel's own data as raw pointers: a band loop compiled for
  /// a wider instruction set must call no out-of-line function it shares
  /// with the rest of the program (the linker keeps one copy of each such
  /// function, possibly the one compiled with the wider flags), so it reads
  /// no std::vector or xtensor member (CTest wide_pair_loop_symbols checks
  /// the trainer's 16-lane object).
  struct Centres {
    const Scalar* large;
    const Scalar* small;
    const char* row_large;
    const char* row_small;
    const std::array<int, 2>* offsets;  ///< (dy, dx) per offset
    std::size_t n_offsets;
    const Scalar* large_weight;      ///< α·w^s per offset
    const Scalar* colour_cache;      ///< null when not cached
    const Scalar* yuv;
  };

  Centres centres_of(const std::vector<Scalar>& k_large, const std::vector<Scalar>& k_small,
                     const std::vector<char>& rows_large,
                     const std::vector<char>& rows_small) const {
    return {k_large.data(),
            k_small.data(),
            rows_large.data(),
            rows_small.data(),
            offsets_.data(),
            offsets_.size(),
            large_weight_.data(),
            colour_cache_.empty() ? nullptr : colour_cache_.data(),
            yuv_.data()};
  }

  /// One (offset, row) run of pairs: first pixels i0 + k, partners j0 + k.
  struct Run {
    std::size_t i0, j0;
    bool need_large, need_small;
  };

  /// The pair coefficients of one batch.
  template <class V>
  struct Coefficients {
    V large = V(Scalar(0)), small = V(Scalar(0));
  };

  /// Per row: does any pixel of `flags` (N values in {0, 1}) say 1?
  std::vector<char> rows_with_centres(const std::vector<Scalar>& flags) const {
    std::vector<char> rows(std::size_t(h_), 0);
    for (long y = 0; y < h_; ++y)
      for (long x = 0; x < w_ && !rows[std::size_t(y)]; ++x)
        rows[std::size_t(y)] = flags[std::size_t(y * w_ + x)] != 0;
    return rows;
  }

  [[gnu::always_inline]] Run pair_run(const Centres& centres, std::size_t o, long y,
                                      long x0) const {
    const long dy = centres.offsets[o][0], dx = centres.offsets[o][1];
    const std::size_t i0 = std::size_t(y * w_ + x0);
    return {i0, std::size_t(long(i0) + dy * w_ + dx),
            centres.row_large[std::size_t(y)] || centres.row_large[std::size_t(y + dy)],
            centres.row_small[std::size_t(y)] || centres.row_small[std::size_t(y + dy)]};
  }

  /// c_L = α·w^s·(k^L_i + k^L_j) and c_S = w^r·(k^S_i + k^S_j) of the pairs
  /// (i + k, j + k), k over the lanes; each only where needed (else 0), and
  /// w^r only where some lane has a k^S centre.
  template <class Lanes, class V = typename Lanes::batch_type>
  Coefficients<V> coefficients(const Lanes& lanes, std::size_t o, std::size_t i, std::size_t j,
                               bool need_large, bool need_small, const Centres& centres) const {
    Coefficients<V> c;
    if (need_large)
      c.large = centres.large_weight[o] *
                (lanes.load(centres.large + i) + lanes.load(centres.large + j));
    if (need_small) {
      const V flags = lanes.load(centres.small + i) + lanes.load(centres.small + j);
      if (xsimd::any(flags != V(Scalar(0))))
        c.small = (centres.colour_cache != nullptr
                       ? lanes.load(centres.colour_cache + o * std::size_t(h_ * w_) + i)
                       : colour_weights(lanes, centres.yuv, i, j)) *
                  flags;
    }
    return c;
  }

  /// w^r (Eq. 6) of the pairs (i + k, j + k) from the YUV of the input.
  template <class Lanes, class V = typename Lanes::batch_type>
  V colour_weights(const Lanes& lanes, const Scalar* c, std::size_t i, std::size_t j) const {
    using B = V;
    const std::size_t plane = std::size_t(h_ * w_);
    const B d0 = lanes.load(c + i) - lanes.load(c + j);
    const B d1 = lanes.load(c + plane + i) - lanes.load(c + plane + j);
    const B d2 = lanes.load(c + 2 * plane + i) - lanes.load(c + 2 * plane + j);
    const B u = B(-colour_k_) * (d0 * d0 + d1 * d1 + d2 * d2);
    B w;
    if constexpr (std::is_same_v<Scalar, float>) {
      // simd_power.hpp's exp (no special cases to select), zero below
      // FLT_MIN where it would turn denormal; max(bound, u) keeps a NaN u
      // (an overflowed σ_r) NaN: the energy must say so.
      const B bound(-87.33f);
      w = xsimd::select(u < bound, B(0.0f), exp_of_bounded(std::array<B, 1>{xsimd::max(bound, u)})[0]);
    } else {
      w = xsimd::exp(u);
    }
    return xsimd::select(w < B(colour_floor_), B(Scalar(0)), w);
  }

  void build_colour_cache() {
    const std::size_t plane = std::size_t(h_ * w_);
    colour_cache_.assign(offsets_.size() * plane, Scalar(0));
#pragma omp parallel for schedule(dynamic, 4)
    for (long o = 0; o < long(offsets_.size()); ++o) {
      const long dy = offsets_[std::size_t(o)][0], dx = offsets_[std::size_t(o)][1];
      const long x0 = std::max(0L, -dx), x1 = std::min(w_, w_ - dx), n = x1 - x0;
      if (n <= 0) continue;
      Scalar* out = colour_cache_.data() + std::size_t(o) * plane;
      for (long y = 0; y + dy < h_; ++y) {
        const std::size_t i0 = std::size_t(y * w_ + x0);
        const std::size_t j0 = std::size_t(long(i0) + dy * w_ + dx);
        for_each_batch<B>(n, [&](long x, const auto& lanes) {
          const std::size_t i = i0 + std::size_t(x);
          lanes.store(out + i, colour_weights(lanes, yuv_.data(), i, i - i0 + j0));
        });
      }
    }
  }

  template <class V, bool kGradient>
  double run_band(long b, const Scalar* t, const Centres& centres, Scalar grad_scale,
                  Scalar* g) const {
    const long y_begin = b * band_, y_end = y_begin + band_ < h_ ? y_begin + band_ : h_;
    const auto kind = [](bool needed, const Penalty<Scalar>& penalty) {
      return needed ? penalty.kind() : PenaltyKind::none;
    };
    double value = 0;
    for (std::size_t o = 0; o < centres.n_offsets; ++o) {
      const long dy = centres.offsets[o][0], dx = centres.offsets[o][1];
      const long x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? w_ - dx : w_, n = x1 - x0;
      if (n <= 0) continue;
      for (long y = y_begin; y < y_end && y + dy < h_; ++y) {
        const Run run = pair_run(centres, o, y, x0);
        if (!run.need_large && !run.need_small) continue;
        value += with_kinds(kind(run.need_large, large_), kind(run.need_small, small_),
                            [&]<PenaltyKind kLarge, PenaltyKind kSmall>() {
                              return run_row<V, kGradient, kLarge, kSmall>(o, run, n, centres,
                                                                           t, grad_scale, g);
                            });
      }
    }
    return value;
  }

  /// f.template operator()<large, small>() with the kinds as template
  /// arguments.
  template <class F>
  static double with_kinds(PenaltyKind large, PenaltyKind small, F&& f) {
    const auto with_small = [&]<PenaltyKind kLarge>() {
      switch (small) {
        case PenaltyKind::none: return f.template operator()<kLarge, PenaltyKind::none>();
        case PenaltyKind::quadratic:
          return f.template operator()<kLarge, PenaltyKind::quadratic>();
        default: return f.template operator()<kLarge, PenaltyKind::power>();
      }
    };
    switch (large) {
      case PenaltyKind::none: return with_small.template operator()<PenaltyKind::none>();
      case PenaltyKind::quadratic: return with_small.template operator()<PenaltyKind::quadratic>();
      default: return with_small.template operator()<PenaltyKind::power>();
    }
  }

  /// The pairs of one (offset, row) run; kLarge and kSmall say which
  /// penalties it needs.
  template <class V, bool kGradient, PenaltyKind kLarge, PenaltyKind kSmall>
  double run_row(std::size_t o, const Run& run, long n, const Centres& centres, const Scalar* t,
                 Scalar grad_scale, Scalar* g) const {
    V sum(Scalar(0));
    for_each_batch<V>(n, [&](long x, const auto& lanes) {
      pair_batch<kGradient, kLarge, kSmall>(lanes, o, run.i0 + std::size_t(x),
                                            run.j0 + std::size_t(x), centres, t, grad_scale, g,
                                            sum);
    });
    return double(xsimd::hadd(sum));
  }

  /// One batch of pairs (i + k, j + k), all three channels: adds
  /// c_L ρ_L + c_S ρ_S to `sum` and, with kGradient, grad_scale times its
  /// derivative to g_i and its negative to g_j (i's lanes first: for dy = 0
  /// the two runs overlap). A penalty whose coefficient is zero on every lane
  /// is skipped: its terms are exact zeros (c·ρ with c = 0 and ρ finite).
  template <bool kGradient, PenaltyKind kLarge, PenaltyKind kSmall, class Lanes,
            class B = typename Lanes::batch_type>
  void pair_batch(const Lanes& lanes, std::size_t o, std::size_t i, std::size_t j,
                  const Centres& centres, const Scalar* t, Scalar grad_scale, Scalar* g,
                  B& sum) const {
    constexpr bool kNeedLarge = kLarge != PenaltyKind::none;
    constexpr bool kNeedSmall = kSmall != PenaltyKind::none;
    Coefficients<B> c = coefficients(lanes, o, i, j, kNeedLarge, kNeedSmall, centres);
    c.large = lanes.keep(c.large);
    c.small = lanes.keep(c.small);
    const B zero(Scalar(0));
    bool any_large = false, any_small = false;
    // "Some lane is not 0" as "not all lanes == 0": a NaN coefficient (a
    // colour weight that overflowed, e.g. σ_r = 1e-300) is not skipped, so
    // it still makes the energy NaN; an ordered != would call it zero. Not
    // any(!(c == 0)): xsimd's batch_bool operator! compares with
    // batch_bool(false), built by an out-of-line call per batch (AVX-512).
    if constexpr (kNeedLarge) any_large = !xsimd::all(c.large == zero);
    if constexpr (kNeedSmall) any_small = !xsimd::all(c.small == zero);
    if (!any_large && !any_small) return;
    const std::size_t plane = std::size_t(h_ * w_);
    // The three channels side by side: their power chains overlap
    // (simd_power.hpp). The batch's terms are summed apart and added to
    // `sum` once.
    std::array<B, kChannels> d, flux;
    for (std::size_t ch = 0; ch < kChannels; ++ch) {
      d[ch] = lanes.load(t + ch * plane + i) - lanes.load(t + ch * plane + j);
      flux[ch] = zero;
    }
    B terms = zero;
    if constexpr (kNeedLarge)
      if (any_large) terms += large_.template accumulate<kLarge, kGradient>(d, c.large, flux);
    if constexpr (kNeedSmall)
      if (any_small) terms += small_.template accumulate<kSmall, kGradient>(d, c.small, flux);
    if constexpr (kGradient) {
      for (std::size_t ch = 0; ch < kChannels; ++ch) {
        const std::size_t at = ch * plane;
        const B step = grad_scale * flux[ch];
        lanes.store(g + at + i, lanes.load(g + at + i) + step);
        lanes.store(g + at + j, lanes.load(g + at + j) - step);
      }
    }
    sum += terms;
  }

  Image<Scalar> yuv_;
  long h_, w_;
  std::vector<std::array<int, 2>> offsets_;
  std::vector<Scalar> large_weight_;  ///< α·w^s per offset
  std::vector<Scalar> colour_cache_;
  BandLoop band_loop_ = band_loop<B>();
  Penalty<Scalar> large_, small_;
  Scalar colour_k_, colour_floor_;
  long band_;
};

}  // namespace ismooth::detail
