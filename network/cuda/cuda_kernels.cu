// Kernels of the CUDA engine (cuda_kernels.hpp).
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>

#include "cuda_kernels.hpp"

namespace ismooth::network::cuda {

namespace {

constexpr int kThreads = 256;

inline unsigned blocks_for(std::size_t n, int threads = kThreads) {
  return unsigned(std::min<std::size_t>((n + threads - 1) / threads, 65535u * 64u));
}

template <class T>
__device__ __forceinline__ float to_float(T v);
template <>
__device__ __forceinline__ float to_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ float to_float<__half>(__half v) { return __half2float(v); }
template <>
__device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 v) {
  return __bfloat162float(v);
}

template <class T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}

// Calls f.template operator()<T>() with the element type of `type`.
template <class F>
void dispatch(DType type, F&& f) {
  switch (type) {
    case DType::f32: f(float{}); break;
    case DType::f16: f(__half{}); break;
    case DType::bf16: f(__nv_bfloat16{}); break;
  }
}

// ---------------------------------------------------------------- edges

template <class T>
__global__ void planar_to_nhwc_kernel(const float* planar, std::size_t pixels, int channels,
                                      int stride, float offset, T* nhwc) {
  const std::size_t n = pixels * std::size_t(stride);
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    const std::size_t p = i / stride, c = i % stride;
    nhwc[i] = from_float<T>(c < std::size_t(channels) ? planar[c * pixels + p] + offset : 0.0f);
  }
}

template <class T>
__global__ void nhwc_to_planar_kernel(const T* nhwc, std::size_t pixels, int channels,
                                      int stride, const float* bias, const float* skip,
                                      float* planar) {
  const std::size_t n = pixels * std::size_t(channels);
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    // i runs over the planar output so its writes coalesce.
    const std::size_t c = i / pixels, p = i % pixels;
    float v = to_float(nhwc[p * stride + c]);
    if (bias != nullptr) v += bias[c];
    if (skip != nullptr) v += skip[i];
    planar[i] = v;
  }
}

// ---------------------------------------------------------------- reductions

// Block (32, 8): threadIdx.x picks the channel c = blockIdx.y·32 + x,
// threadIdx.y walks the chunk's pixels with stride 8. `op(p, c, a, b)` adds
// one pixel's contributions to the double accumulators a and b. Each chunk
// writes its two partial sums per channel to scratch[(chunk·C + c)·2 + {0,1}].
template <class Op>
__global__ void chunk_sums_kernel(std::size_t pixels, int channels, double* scratch, Op op) {
  __shared__ double sa[8][33], sb[8][33];
  const int c = blockIdx.y * 32 + threadIdx.x;
  const std::size_t p0 = std::size_t(blockIdx.x) * kReductionChunk;
  const std::size_t p1 = min(pixels, p0 + kReductionChunk);
  double a = 0, b = 0;
  if (c < channels)
    for (std::size_t p = p0 + threadIdx.y; p < p1; p += 8) op(p, c, a, b);
  sa[threadIdx.y][threadIdx.x] = a;
  sb[threadIdx.y][threadIdx.x] = b;
  __syncthreads();
  if (threadIdx.y == 0 && c < channels) {
    double ta = 0, tb = 0;
    for (int r = 0; r < 8; ++r) {
      ta += sa[r][threadIdx.x];
      tb += sb[r][threadIdx.x];
    }
    const std::size_t at = (std::size_t(blockIdx.x) * channels + c) * 2;
    scratch[at] = ta;
    scratch[at + 1] = tb;
  }
}

template <class Op>
void chunk_sums(std::size_t pixels, int channels, double* scratch, Op op, cudaStream_t stream) {
  const dim3 grid(unsigned((pixels + kReductionChunk - 1) / kReductionChunk),
                  unsigned((channels + 31) / 32));
  chunk_sums_kernel<<<grid, dim3(32, 8), 0, stream>>>(pixels, channels, scratch, op);
}

// Sums of the chunks in chunk order, one thread per channel.
__device__ void total_of_chunks(const double* scratch, std::size_t pixels, int channels, int c,
                                double& a, double& b) {
  const std::size_t chunks = (pixels + kReductionChunk - 1) / kReductionChunk;
  a = 0;
  b = 0;
  for (std::size_t k = 0; k < chunks; ++k) {
    a += scratch[(k * channels + c) * 2];
    b += scratch[(k * channels + c) * 2 + 1];
  }
}

template <class T>
struct StatisticsOp {
  const T* x;
  int channels;
  __device__ void operator()(std::size_t p, int c, double& a, double& b) const {
    const float v = to_float(x[p * channels + c]) - to_float(x[c]);  // around the first pixel
    a += v;
    b += double(v) * v;
  }
};

__global__ void bn_statistics_finish(const double* scratch, const void* x0, DType type,
                                     std::size_t pixels, int channels, float eps, float* mean,
                                     float* inv_std) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  double s, q;
  total_of_chunks(scratch, pixels, channels, c, s, q);
  float shift;
  if (type == DType::f32)
    shift = static_cast<const float*>(x0)[c];
  else if (type == DType::f16)
    shift = to_float(static_cast<const __half*>(x0)[c]);
  else
    shift = to_float(static_cast<const __nv_bfloat16*>(x0)[c]);
  const double n = double(pixels);
  const double m = s / n;
  const double var = fmax(0.0, q / n - m * m);
  mean[c] = float(double(shift) + m);
  inv_std[c] = float(1.0 / sqrt(var + double(eps)));
}

template <class T, bool kSkip, bool kRelu>
__global__ void bn_apply_kernel(const T* x, std::size_t pixels, int channels, const float* mean,
                                const float* inv_std, const float* gamma, const float* beta,
                                const T* skip, T* y) {
  const std::size_t n = pixels * std::size_t(channels);
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    const int c = int(i % channels);
    float v = (to_float(x[i]) - mean[c]) * (gamma[c] * inv_std[c]) + beta[c];
    if constexpr (kSkip) v += to_float(skip[i]);
    if constexpr (kRelu) v = fmaxf(v, 0.0f);
    y[i] = from_float<T>(v);
  }
}

struct BackwardSumsOp {
  float* grad;
  const float* y;
  const float* x;
  const float* mean;
  int channels;
  __device__ void operator()(std::size_t p, int c, double& a, double& b) const {
    const std::size_t at = p * channels + c;
    float g = grad[at];
    if (y != nullptr && !(y[at] > 0.0f)) {
      g = 0.0f;
      grad[at] = 0.0f;
    }
    a += g;
    b += double(g) * (x[at] - mean[c]);
  }
};

__global__ void bn_backward_finish(const double* scratch, std::size_t pixels, int channels,
                                   const float* inv_std, const float* gamma, float* grad_gamma,
                                   float* grad_beta, float* coef) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  double sg, sgx;
  total_of_chunks(scratch, pixels, channels, c, sg, sgx);
  const double n = double(pixels);
  const double is = inv_std[c];
  const double dgamma = sgx * is;  // Σ g·x̂
  grad_gamma[c] = float(dgamma);
  grad_beta[c] = float(sg);
  const double ak = double(gamma[c]) * is;
  coef[c] = float(ak);
  coef[channels + c] = float(-ak * is * dgamma / n);
  coef[2 * channels + c] = float(-ak * sg / n);
}

__global__ void bn_backward_apply(const float* grad, const float* x, std::size_t pixels,
                                  int channels, const float* mean, const float* coef,
                                  float* grad_x) {
  const std::size_t n = pixels * std::size_t(channels);
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    const int c = int(i % channels);
    grad_x[i] = coef[c] * grad[i] + coef[channels + c] * (x[i] - mean[c]) + coef[2 * channels + c];
  }
}

struct PlainSumOp {
  const float* x;
  int channels;
  __device__ void operator()(std::size_t p, int c, double& a, double&) const {
    a += x[p * channels + c];
  }
};

__global__ void channel_sums_finish(const double* scratch, std::size_t pixels, int channels,
                                    float* sums) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  double a, b;
  total_of_chunks(scratch, pixels, channels, c, a, b);
  sums[c] = float(a);
}

// ---------------------------------------------------------------- layouts

template <class T>
__global__ void crop_kernel(const T* src, int ws, T* dst, int h, int w, int channels) {
  const std::size_t n = std::size_t(h) * w * channels;
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    const std::size_t c = i % channels, p = i / channels;
    const std::size_t y = p / w, x = p % w;
    dst[i] = src[(y * ws + x) * channels + c];
  }
}

__global__ void pad_kernel(const float* src, int h, int w, float* dst, int hp, int wp,
                           int channels) {
  const std::size_t n = std::size_t(hp) * wp * channels;
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    const std::size_t c = i % channels, p = i / channels;
    const std::size_t y = p / wp, x = p % wp;
    dst[i] = (y < std::size_t(h) && x < std::size_t(w)) ? src[(y * w + x) * channels + c] : 0.0f;
  }
}

template <class T>
__global__ void to_krsc_kernel(const float* kcrs, int a, int b, int k, int ap, int bp, T* krsc) {
  const std::size_t n = std::size_t(ap) * bp * k * k;
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    // i indexes (a', r, s, b') of the destination.
    const std::size_t bi = i % bp, rs = (i / bp) % (std::size_t(k) * k),
                      ai = i / (std::size_t(bp) * k * k);
    const bool inside = ai < std::size_t(a) && bi < std::size_t(b);
    krsc[i] = from_float<T>(inside ? kcrs[(ai * b + bi) * k * k + rs] : 0.0f);
  }
}

__global__ void from_krsc_kernel(const float* krsc, int a, int b, int k, float* kcrs) {
  const std::size_t n = std::size_t(a) * b * k * k;
  for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n;
       i += std::size_t(gridDim.x) * blockDim.x) {
    // i indexes (a, b, r, s) of the destination.
    const std::size_t rs = i % (std::size_t(k) * k), bi = (i / (std::size_t(k) * k)) % b,
                      ai = i / (std::size_t(b) * k * k);
    kcrs[i] = krsc[(ai * k * k + rs) * b + bi];
  }
}

}  // namespace

void planar_to_nhwc(const float* planar, std::size_t pixels, int channels, int nhwc_channels,
                    float offset, void* nhwc, DType type, cudaStream_t stream) {
  dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    planar_to_nhwc_kernel<<<blocks_for(pixels * nhwc_channels), kThreads, 0, stream>>>(
        planar, pixels, channels, nhwc_channels, offset, static_cast<T*>(nhwc));
  });
}

void nhwc_to_planar(const void* nhwc, DType type, std::size_t pixels, int channels,
                    int nhwc_channels, const float* bias, const float* skip, float* planar,
                    cudaStream_t stream) {
  dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    nhwc_to_planar_kernel<<<blocks_for(pixels * channels), kThreads, 0, stream>>>(
        static_cast<const T*>(nhwc), pixels, channels, nhwc_channels, bias, skip, planar);
  });
}

void bn_statistics(const void* x, DType type, std::size_t pixels, int channels, float eps,
                   double* scratch, float* mean, float* inv_std, cudaStream_t stream) {
  dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    chunk_sums(pixels, channels, scratch, StatisticsOp<T>{static_cast<const T*>(x), channels},
               stream);
  });
  bn_statistics_finish<<<(channels + 63) / 64, 64, 0, stream>>>(scratch, x, type, pixels,
                                                               channels, eps, mean, inv_std);
}

void bn_apply(const void* x, DType type, std::size_t pixels, int channels, const float* mean,
              const float* inv_std, const float* gamma, const float* beta, const void* skip,
              bool relu, void* y, cudaStream_t stream) {
  dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    const unsigned grid = blocks_for(pixels * channels);
    const T* xs = static_cast<const T*>(x);
    const T* sk = static_cast<const T*>(skip);
    T* ys = static_cast<T*>(y);
    if (skip != nullptr && relu)
      bn_apply_kernel<T, true, true><<<grid, kThreads, 0, stream>>>(xs, pixels, channels, mean,
                                                                    inv_std, gamma, beta, sk, ys);
    else if (skip != nullptr)
      bn_apply_kernel<T, true, false><<<grid, kThreads, 0, stream>>>(xs, pixels, channels, mean,
                                                                     inv_std, gamma, beta, sk, ys);
    else if (relu)
      bn_apply_kernel<T, false, true><<<grid, kThreads, 0, stream>>>(xs, pixels, channels, mean,
                                                                     inv_std, gamma, beta, sk, ys);
    else
      bn_apply_kernel<T, false, false><<<grid, kThreads, 0, stream>>>(
          xs, pixels, channels, mean, inv_std, gamma, beta, sk, ys);
  });
}

void bn_backward(float* grad, const float* y, const float* x, std::size_t pixels, int channels,
                 const float* mean, const float* inv_std, const float* gamma, float* grad_x,
                 float* grad_gamma, float* grad_beta, double* scratch, float* coef,
                 cudaStream_t stream) {
  chunk_sums(pixels, channels, scratch, BackwardSumsOp{grad, y, x, mean, channels}, stream);
  bn_backward_finish<<<(channels + 63) / 64, 64, 0, stream>>>(scratch, pixels, channels, inv_std,
                                                             gamma, grad_gamma, grad_beta, coef);
  bn_backward_apply<<<blocks_for(pixels * channels), kThreads, 0, stream>>>(
      grad, x, pixels, channels, mean, coef, grad_x);
}

void channel_sums(const float* x, std::size_t pixels, int channels, double* scratch, float* sums,
                  cudaStream_t stream) {
  chunk_sums(pixels, channels, scratch, PlainSumOp{x, channels}, stream);
  channel_sums_finish<<<(channels + 63) / 64, 64, 0, stream>>>(scratch, pixels, channels, sums);
}

void crop_nhwc(const void* src, int hs, int ws, void* dst, int h, int w, int channels, DType type,
               cudaStream_t stream) {
  (void)hs;
  dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    crop_kernel<<<blocks_for(std::size_t(h) * w * channels), kThreads, 0, stream>>>(
        static_cast<const T*>(src), ws, static_cast<T*>(dst), h, w, channels);
  });
}

void pad_nhwc(const float* src, int h, int w, float* dst, int hp, int wp, int channels,
              cudaStream_t stream) {
  pad_kernel<<<blocks_for(std::size_t(hp) * wp * channels), kThreads, 0, stream>>>(
      src, h, w, dst, hp, wp, channels);
}

void filter_to_krsc(const float* kcrs, int a, int b, int k, int a_padded, int b_padded,
                    void* krsc, DType type, cudaStream_t stream) {
  dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    to_krsc_kernel<<<blocks_for(std::size_t(a_padded) * b_padded * k * k), kThreads, 0, stream>>>(
        kcrs, a, b, k, a_padded, b_padded, static_cast<T*>(krsc));
  });
}

void filter_from_krsc(const float* krsc, int a, int b, int k, float* kcrs, cudaStream_t stream) {
  from_krsc_kernel<<<blocks_for(std::size_t(a) * b * k * k), kThreads, 0, stream>>>(krsc, a, b, k,
                                                                                     kcrs);
}

}  // namespace ismooth::network::cuda
