// Element-wise kernels of the oneDNN engine (see cpu_kernels.hpp). Inner
// loops run over the contiguous channels so the compiler vectorises them.
#include "onednn/cpu_kernels.hpp"

#include <omp.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

namespace ismooth::network::detail {

namespace {

// Pixels per partial sum (fixed, so results do not depend on the thread
// count) and per float run inside it (short enough that float sums of
// shifted values lose nothing that matters at fp32).
constexpr std::size_t kBlock = 1024;
constexpr std::size_t kRun = 32;

// Eight floats (one AVX register with our -mavx2 baseline; GCC lowers it to
// two SSE registers elsewhere). Memory is accessed through v8u, an
// under-aligned, aliasing view, which compiles to plain unaligned vector
// loads and stores (a memcpy into a vector goes through the stack instead).
using v8 = float __attribute__((vector_size(32)));
using v8u = float __attribute__((vector_size(32), aligned(4), may_alias));

inline v8 load(const float* p) { return *reinterpret_cast<const v8u*>(p); }
inline void store(float* p, v8 v) { *reinterpret_cast<v8u*>(p) = v; }

// Eight bf16 values: widened to fp32 by a 16-bit shift, narrowed with
// round-to-nearest-even (u + 0x7fff + lsb, high half), as oneDNN does.
using v8i = std::uint32_t __attribute__((vector_size(32)));
using v8h = std::uint16_t __attribute__((vector_size(16)));
using v8hu = std::uint16_t __attribute__((vector_size(16), aligned(2), may_alias));
inline v8 load(const bf16* p) {
  return reinterpret_cast<v8>(__builtin_convertvector(*reinterpret_cast<const v8hu*>(p), v8i)
                              << 16);
}
inline void store(bf16* p, v8 v) {
  const v8i u = reinterpret_cast<v8i>(v);
  *reinterpret_cast<v8hu*>(p) =
      __builtin_convertvector((u + 0x7fffu + ((u >> 16) & 1u)) >> 16, v8h);
}
// Scalar access for the channels left over.
inline float get(const float* p) { return *p; }
inline float get(const bf16* p) { return to_float(*p); }
inline void put(float* p, float v) { *p = v; }
inline void put(bf16* p, float v) { *p = to_bf16(v); }
inline v8 splat(float f) { return v8{} + f; }
inline v8 relu(v8 v) { return v > 0.0f ? v : v8{}; }

// Calls f(std::integral_constant<int, NV>, k0) over channel blocks of NV·8
// channels (NV = 8, 4, 2, 1: up to 64 channels at once), then
// f(std::integral_constant<int, 0>, k) for each channel left over. Kernels
// keep a block's accumulators and constants in registers while they walk the
// pixels of a run, so with the paper's 64 channels each run is read pixel by
// pixel, front to back (measured ~10% faster from memory than block by
// block).
template <class F>
void for_channel_blocks(int channels, F&& f) {
  int k = 0;
  for (; k + 64 <= channels; k += 64) f(std::integral_constant<int, 8>{}, k);
  if (k + 32 <= channels) f(std::integral_constant<int, 4>{}, k), k += 32;
  if (k + 16 <= channels) f(std::integral_constant<int, 2>{}, k), k += 16;
  if (k + 8 <= channels) f(std::integral_constant<int, 1>{}, k), k += 8;
  for (; k < channels; ++k) f(std::integral_constant<int, 0>{}, k);
}

std::size_t num_blocks(std::size_t pixels) { return (pixels + kBlock - 1) / kBlock; }

// Per-block partial sums of two per-channel quantities, reduced in block
// order. `run(p0, p1, a, b)` adds the run [p0, p1)'s float sums into a and b
// (and may write back to the tensor).
template <class Run>
void blocked_sums(std::size_t pixels, int channels, double* sum_a, double* sum_b, Run run) {
  const std::size_t blocks = num_blocks(pixels);
  const std::size_t c = static_cast<std::size_t>(channels);
  // One scratch buffer per calling thread, grown on demand: no allocation
  // per call at a fixed size.
  thread_local std::vector<double> partial;
  if (partial.size() < blocks * 2 * c) partial.resize(blocks * 2 * c);
  double* parts = partial.data();
#pragma omp parallel
  {
    std::vector<float> fa(c), fb(c);
#pragma omp for schedule(static)
    for (std::size_t b = 0; b < blocks; ++b) {
      double* da = parts + b * 2 * c;
      double* db = da + c;
      std::fill(da, da + 2 * c, 0.0);
      const std::size_t end = std::min(pixels, (b + 1) * kBlock);
      for (std::size_t p0 = b * kBlock; p0 < end; p0 += kRun) {
        std::fill(fa.begin(), fa.end(), 0.0f);
        std::fill(fb.begin(), fb.end(), 0.0f);
        run(p0, std::min(end, p0 + kRun), fa.data(), fb.data());
        for (std::size_t k = 0; k < c; ++k) {
          da[k] += fa[k];
          db[k] += fb[k];
        }
      }
    }
  }
  std::fill(sum_a, sum_a + c, 0.0);
  std::fill(sum_b, sum_b + c, 0.0);
  for (std::size_t b = 0; b < blocks; ++b)
    for (std::size_t k = 0; k < c; ++k) {
      sum_a[k] += parts[b * 2 * c + k];
      sum_b[k] += parts[b * 2 * c + c + k];
    }
}

// Runs body(p0, p1) over [0, pixels) in parallel chunks of whole runs.
template <class Body>
void parallel_runs(std::size_t pixels, Body body) {
  const std::ptrdiff_t runs = static_cast<std::ptrdiff_t>((pixels + kRun - 1) / kRun);
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t r = 0; r < runs; ++r)
    body(std::size_t(r) * kRun, std::min(pixels, std::size_t(r + 1) * kRun));
}

// Mean and 1/sqrt(var + eps) from the sums of (x − shift) and its square.
template <class X>
void finish_statistics(const X* shift, const std::vector<double>& s, const std::vector<double>& q,
                       std::size_t pixels, float eps, float* mean, float* inv_std) {
  const double n = static_cast<double>(pixels);
  for (std::size_t k = 0; k < s.size(); ++k) {
    const double m = s[k] / n;
    const double var = std::max(0.0, q[k] / n - m * m);
    mean[k] = static_cast<float>(get(shift + k) + m);
    inv_std[k] = static_cast<float>(1.0 / std::sqrt(var + double(eps)));
  }
}

// bf16 inference's BN (bf16 convolution outputs in, bf16 activations out)
// is bound by its arithmetic as much as by memory: widening and rounding
// take integer operations per value. On CPUs with AVX-512 (every CPU the
// bf16 engine runs on: it requires AVX512-BF16) these paths do it 16 lanes
// at a time. Same operations in the same order per value (-ffp-contract=off:
// no FMA; the same integer round-to-nearest-even), so the results are the
// bits of the 8-lane code; only functions carrying the target attribute use
// AVX-512, chosen at run time.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ISMOOTH_BN_AVX512 1
#define ISMOOTH_TARGET_AVX512 __attribute__((target("avx512f,avx512bw")))

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return has;
}

ISMOOTH_TARGET_AVX512 inline __m512 load16(const bf16* p) {
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

ISMOOTH_TARGET_AVX512 inline void store16(bf16* p, __m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i r =
      _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb), 16);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(r));
}

// bn_statistics' run [p0, p1) for channels k0 .. k0 + 16·NB: fs, fq += the
// run's float sums of (x − shift) and its square.
template <int NB>
ISMOOTH_TARGET_AVX512 void statistics_run16(const bf16* x, std::size_t c, std::size_t k0,
                                            std::size_t p0, std::size_t p1, const bf16* shift,
                                            float* fs, float* fq) {
  __m512 sh[NB], as[NB], aq[NB];
  for (int j = 0; j < NB; ++j) {
    sh[j] = load16(shift + k0 + 16 * j);
    as[j] = aq[j] = _mm512_setzero_ps();
  }
  for (std::size_t p = p0; p < p1; ++p)
    for (int j = 0; j < NB; ++j) {
      const __m512 v = _mm512_sub_ps(load16(x + p * c + k0 + 16 * j), sh[j]);
      as[j] = _mm512_add_ps(as[j], v);
      aq[j] = _mm512_add_ps(aq[j], _mm512_mul_ps(v, v));
    }
  for (int j = 0; j < NB; ++j) {
    float* s = fs + k0 + 16 * j;
    float* q = fq + k0 + 16 * j;
    _mm512_storeu_ps(s, _mm512_add_ps(_mm512_loadu_ps(s), as[j]));
    _mm512_storeu_ps(q, _mm512_add_ps(_mm512_loadu_ps(q), aq[j]));
  }
}

ISMOOTH_TARGET_AVX512 void statistics_run16(const bf16* x, std::size_t c, std::size_t p0,
                                            std::size_t p1, float* fs, float* fq) {
  for (std::size_t k0 = 0; k0 < c; k0 += 64) {
    switch (std::min<std::size_t>(64, c - k0) / 16) {
      case 4: statistics_run16<4>(x, c, k0, p0, p1, x, fs, fq); break;
      case 3: statistics_run16<3>(x, c, k0, p0, p1, x, fs, fq); break;
      case 2: statistics_run16<2>(x, c, k0, p0, p1, x, fs, fq); break;
      default: statistics_run16<1>(x, c, k0, p0, p1, x, fs, fq); break;
    }
  }
}

// bn_apply's run [p0, p1), bf16 in and out.
template <bool kSkip, bool kRelu>
ISMOOTH_TARGET_AVX512 void apply_run16(const bf16* x, std::size_t c, std::size_t p0,
                                       std::size_t p1, const float* mean, const float* scale,
                                       const float* shift, const bf16* skip, bf16* y) {
  for (std::size_t p = p0; p < p1; ++p)
    for (std::size_t k = 0; k < c; k += 16) {
      const std::size_t at = p * c + k;
      __m512 v = _mm512_sub_ps(load16(x + at), _mm512_loadu_ps(mean + k));
      v = _mm512_add_ps(_mm512_mul_ps(v, _mm512_loadu_ps(scale + k)), _mm512_loadu_ps(shift + k));
      if constexpr (kSkip) v = _mm512_add_ps(v, load16(skip + at));
      if constexpr (kRelu) v = _mm512_max_ps(v, _mm512_setzero_ps());  // NaN → 0, as relu()
      store16(y + at, v);
    }
}
#endif

}  // namespace

template <class X>
void bn_statistics(const X* x, std::size_t pixels, int channels, float eps, float* mean,
                   float* inv_std) {
  const std::size_t c = static_cast<std::size_t>(channels);
  const X* shift = x;  // the first pixel
  std::vector<double> s(c), q(c);
#ifdef ISMOOTH_BN_AVX512
  if constexpr (std::is_same_v<X, bf16>) {
    if (c % 16 == 0 && cpu_has_avx512()) {
      blocked_sums(pixels, channels, s.data(), q.data(),
                   [&](std::size_t p0, std::size_t p1, float* fs, float* fq) {
                     statistics_run16(x, c, p0, p1, fs, fq);
                   });
      finish_statistics(shift, s, q, pixels, eps, mean, inv_std);
      return;
    }
  }
#endif
  blocked_sums(pixels, channels, s.data(), q.data(),
               [&](std::size_t p0, std::size_t p1, float* fs, float* fq) {
                 for_channel_blocks(channels, [&](auto lanes, int k0) {
                   constexpr int nv = decltype(lanes)::value;
                   if constexpr (nv == 0) {
                     float as = 0, aq = 0;
                     for (std::size_t p = p0; p < p1; ++p) {
                       const float v = get(x + p * c + k0) - get(shift + k0);
                       as += v;
                       aq += v * v;
                     }
                     fs[k0] += as;
                     fq[k0] += aq;
                   } else {
                     v8 sh[nv], as[nv] = {}, aq[nv] = {};
                     for (int j = 0; j < nv; ++j) sh[j] = load(shift + k0 + 8 * j);
                     for (std::size_t p = p0; p < p1; ++p)
                       for (int j = 0; j < nv; ++j) {
                         const v8 v = load(x + p * c + k0 + 8 * j) - sh[j];
                         as[j] += v;
                         aq[j] += v * v;
                       }
                     for (int j = 0; j < nv; ++j) {
                       store(fs + k0 + 8 * j, load(fs + k0 + 8 * j) + as[j]);
                       store(fq + k0 + 8 * j, load(fq + k0 + 8 * j) + aq[j]);
                     }
                   }
                 });
               });
  finish_statistics(shift, s, q, pixels, eps, mean, inv_std);
}

template <class X, class A>
void bn_apply(const X* x, std::size_t pixels, int channels, const float* mean,
              const float* scale, const float* shift, const A* skip, bool relu_on, A* y) {
  const std::size_t c = static_cast<std::size_t>(channels);
#ifdef ISMOOTH_BN_AVX512
  if constexpr (std::is_same_v<X, bf16> && std::is_same_v<A, bf16>) {
    if (c % 16 == 0 && cpu_has_avx512()) {
      auto run = [&](auto kernel) {
        parallel_runs(pixels, [&](std::size_t p0, std::size_t p1) {
          kernel(x, c, p0, p1, mean, scale, shift, skip, y);
        });
      };
      if (skip != nullptr)
        relu_on ? run(apply_run16<true, true>) : run(apply_run16<true, false>);
      else
        relu_on ? run(apply_run16<false, true>) : run(apply_run16<false, false>);
      return;
    }
  }
#endif
  // Four variants so the inner loop has no branches.
  auto body = [&](auto has_skip, auto has_relu) {
    constexpr bool with_skip = decltype(has_skip)::value, with_relu = decltype(has_relu)::value;
    parallel_runs(pixels, [&](std::size_t p0, std::size_t p1) {
      for_channel_blocks(channels, [&](auto lanes, int k0) {
        constexpr int nv = decltype(lanes)::value;
        if constexpr (nv == 0) {
          for (std::size_t p = p0; p < p1; ++p) {
            float v = (get(x + p * c + k0) - mean[k0]) * scale[k0] + shift[k0];
            if constexpr (with_skip) v += get(skip + p * c + k0);
            if constexpr (with_relu) v = std::max(v, 0.0f);
            put(y + p * c + k0, v);
          }
        } else {
          v8 m[nv], s[nv], b[nv];
          for (int j = 0; j < nv; ++j) {
            m[j] = load(mean + k0 + 8 * j);
            s[j] = load(scale + k0 + 8 * j);
            b[j] = load(shift + k0 + 8 * j);
          }
          for (std::size_t p = p0; p < p1; ++p)
            for (int j = 0; j < nv; ++j) {
              const std::size_t at = p * c + k0 + 8 * j;
              v8 v = (load(x + at) - m[j]) * s[j] + b[j];
              if constexpr (with_skip) v += load(skip + at);
              if constexpr (with_relu) v = relu(v);
              store(y + at, v);
            }
        }
      });
    });
  };
  using T = std::true_type;
  using F = std::false_type;
  if (skip != nullptr) {
    relu_on ? body(T{}, T{}) : body(T{}, F{});
  } else {
    relu_on ? body(F{}, T{}) : body(F{}, F{});
  }
}

template <class Y, class G>
void bn_backward(float* grad, const Y* y, const float* x, std::size_t pixels, int channels,
                 const float* mean, const float* inv_std, const float* gamma, G* grad_x,
                 float* grad_gamma, float* grad_beta) {
  const std::size_t c = static_cast<std::size_t>(channels);
  std::vector<double> sg(c), sgx(c);
  // Pass 1: mask by the ReLU (in place), Σg and Σg·(x − μ).
  blocked_sums(pixels, channels, sg.data(), sgx.data(),
               [&](std::size_t p0, std::size_t p1, float* fg, float* fgx) {
                 for_channel_blocks(channels, [&](auto lanes, int k0) {
                   constexpr int nv = decltype(lanes)::value;
                   if constexpr (nv == 0) {
                     float ag = 0, agx = 0;
                     for (std::size_t p = p0; p < p1; ++p) {
                       const std::size_t at = p * c + k0;
                       if (y != nullptr && !(get(y + at) > 0.0f)) grad[at] = 0.0f;
                       ag += grad[at];
                       agx += grad[at] * (x[at] - mean[k0]);
                     }
                     fg[k0] += ag;
                     fgx[k0] += agx;
                   } else {
                     v8 m[nv], ag[nv] = {}, agx[nv] = {};
                     for (int j = 0; j < nv; ++j) m[j] = load(mean + k0 + 8 * j);
                     for (std::size_t p = p0; p < p1; ++p)
                       for (int j = 0; j < nv; ++j) {
                         const std::size_t at = p * c + k0 + 8 * j;
                         v8 g = load(grad + at);
                         if (y != nullptr) {
                           g = load(y + at) > 0.0f ? g : v8{};
                           store(grad + at, g);
                         }
                         ag[j] += g;
                         agx[j] += g * (load(x + at) - m[j]);
                       }
                     for (int j = 0; j < nv; ++j) {
                       store(fg + k0 + 8 * j, load(fg + k0 + 8 * j) + ag[j]);
                       store(fgx + k0 + 8 * j, load(fgx + k0 + 8 * j) + agx[j]);
                     }
                   }
                 });
               });
  // dx = γσ⁻¹·(g − mean(g) − x̂·mean(g·x̂)) = a·g + b·(x − μ) + d.
  const double n = static_cast<double>(pixels);
  std::vector<float> a(c), b(c), d(c);
  for (std::size_t k = 0; k < c; ++k) {
    const double is = inv_std[k];
    const double dgamma = sgx[k] * is;  // Σ g·x̂
    grad_gamma[k] = static_cast<float>(dgamma);
    grad_beta[k] = static_cast<float>(sg[k]);
    const double ak = double(gamma[k]) * is;
    a[k] = static_cast<float>(ak);
    b[k] = static_cast<float>(-ak * is * dgamma / n);
    d[k] = static_cast<float>(-ak * sg[k] / n);
  }
  // Pass 2.
  parallel_runs(pixels, [&](std::size_t p0, std::size_t p1) {
    for_channel_blocks(channels, [&](auto lanes, int k0) {
      constexpr int nv = decltype(lanes)::value;
      if constexpr (nv == 0) {
        for (std::size_t p = p0; p < p1; ++p) {
          const std::size_t at = p * c + k0;
          put(grad_x + at, a[k0] * grad[at] + b[k0] * (x[at] - mean[k0]) + d[k0]);
        }
      } else {
        v8 ak[nv], bk[nv], dk[nv], m[nv];
        for (int j = 0; j < nv; ++j) {
          ak[j] = load(a.data() + k0 + 8 * j);
          bk[j] = load(b.data() + k0 + 8 * j);
          dk[j] = load(d.data() + k0 + 8 * j);
          m[j] = load(mean + k0 + 8 * j);
        }
        for (std::size_t p = p0; p < p1; ++p)
          for (int j = 0; j < nv; ++j) {
            const std::size_t at = p * c + k0 + 8 * j;
            store(grad_x + at, ak[j] * load(grad + at) + bk[j] * (load(x + at) - m[j]) + dk[j]);
          }
      }
    });
  });
}

template void bn_statistics(const float*, std::size_t, int, float, float*, float*);
template void bn_statistics(const bf16*, std::size_t, int, float, float*, float*);
template void bn_apply(const float*, std::size_t, int, const float*, const float*, const float*,
                       const float*, bool, float*);
template void bn_apply(const float*, std::size_t, int, const float*, const float*, const float*,
                       const bf16*, bool, bf16*);
template void bn_apply(const bf16*, std::size_t, int, const float*, const float*, const float*,
                       const bf16*, bool, bf16*);
template void bn_backward(float*, const float*, const float*, std::size_t, int, const float*,
                          const float*, const float*, float*, float*, float*);
template void bn_backward(float*, const float*, const float*, std::size_t, int, const float*,
                          const float*, const float*, bf16*, float*, float*);
template void bn_backward(float*, const bf16*, const float*, std::size_t, int, const float*,
                          const float*, const float*, float*, float*, float*);
template void bn_backward(float*, const bf16*, const float*, std::size_t, int, const float*,
                          const float*, const float*, bf16*, float*, float*);

bf16 to_bf16(float v) {
  std::uint32_t u;
  std::memcpy(&u, &v, 4);
  if (std::isnan(v)) return bf16{std::uint16_t((u >> 16) | 0x40)};  // stays a (quiet) NaN
  return bf16{std::uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16)};
}

float to_float(bf16 v) {
  const std::uint32_t u = std::uint32_t(v.bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void to_bf16(const float* from, std::size_t n, bf16* to) {
  for (std::size_t i = 0; i < n; ++i) to[i] = to_bf16(from[i]);
}

void to_float(const bf16* from, std::size_t n, float* to) {
  for (std::size_t i = 0; i < n; ++i) to[i] = to_float(from[i]);
}

void round_to_bf16(float* values, std::size_t n) {
  const std::ptrdiff_t count = static_cast<std::ptrdiff_t>(n);
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t i = 0; i < count; ++i) values[i] = to_float(to_bf16(values[i]));
}

void planar_to_channels_last(const float* planar, std::size_t pixels, int channels, float offset,
                             float* nhwc) {
  const std::size_t c = static_cast<std::size_t>(channels);
  const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(pixels);
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t p = 0; p < rows; ++p)
    for (std::size_t k = 0; k < c; ++k) nhwc[p * c + k] = planar[k * pixels + p] + offset;
}

void channels_last_to_planar(const float* nhwc, std::size_t pixels, int channels, const float* skip,
                             float* planar) {
  const std::size_t c = static_cast<std::size_t>(channels);
  const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(pixels);
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t p = 0; p < rows; ++p)
    for (std::size_t k = 0; k < c; ++k)
      planar[k * pixels + p] = nhwc[p * c + k] + (skip != nullptr ? skip[k * pixels + p] : 0.0f);
}

}  // namespace ismooth::network::detail
