#pragma once
// Element-wise and reduction kernels of the CUDA engine (private to
// ismooth::network): the input/output edges, per-image batch norm forward and
// backward, weight layout changes, crop/pad of the transposed convolution. Host launchers only, so plain C++ (the engine's .cpp) can call
// them; every launch is asynchronous on `stream`.
//
// Activations are channels-last (NHWC, batch 1: pixel-major, C contiguous)
// in fp32, or in fp16/bf16 for the reduced-precision inference path (`DType`);
// BN statistics and all arithmetic are fp32, sums in fp64.
//
// Reductions are deterministic: fixed chunks of kReductionChunk pixels, per
// chunk partial sums in double, reduced in chunk order, so results do not
// depend on launch timing (same maths as cpu_kernels.cpp: statistics around
// the first pixel's value, biased variance).

#include <cuda_runtime_api.h>

#include <cstddef>

namespace ismooth::network::cuda {

enum class DType { f32, f16, bf16 };

inline std::size_t dtype_size(DType t) { return t == DType::f32 ? 4 : 2; }

/// Pixels per reduction chunk.
inline constexpr std::size_t kReductionChunk = 1024;
/// Doubles of scratch the reductions need for `pixels` × `channels`.
inline std::size_t reduction_scratch_doubles(std::size_t pixels, int channels) {
  return 2 * std::size_t(channels) * ((pixels + kReductionChunk - 1) / kReductionChunk);
}

/// nhwc[p·S + c] = planar[c·pixels + p] + offset for c < channels, 0 for
/// channels ≤ c < S (S = nhwc_channels ≥ channels: the reduced-precision
/// path pads the 3 colour channels to 8 for the tensor cores).
void planar_to_nhwc(const float* planar, std::size_t pixels, int channels, int nhwc_channels,
                    float offset, void* nhwc, DType type, cudaStream_t stream);
/// planar[c·pixels + p] = nhwc[p·S + c] + bias?[c] + skip?[c·pixels + p] for
/// c < channels (S = nhwc_channels ≥ channels).
void nhwc_to_planar(const void* nhwc, DType type, std::size_t pixels, int channels,
                    int nhwc_channels, const float* bias, const float* skip, float* planar,
                    cudaStream_t stream);

/// Per-channel mean and 1/sqrt(var + eps) of x (pixels × channels).
/// `scratch`: reduction_scratch_doubles(pixels, channels).
void bn_statistics(const void* x, DType type, std::size_t pixels, int channels, float eps,
                   double* scratch, float* mean, float* inv_std, cudaStream_t stream);
/// y = relu?(γ·inv_std·(x − mean) + β + skip?); y may alias x.
void bn_apply(const void* x, DType type, std::size_t pixels, int channels, const float* mean,
              const float* inv_std, const float* gamma, const float* beta, const void* skip,
              bool relu, void* y, cudaStream_t stream);
/// Backward of bn_apply (fp32): on entry grad = dL/dy; the ReLU mask (y > 0,
/// when y is not null) is applied to grad in place; writes dL/dx to grad_x
/// (may alias grad), dL/dγ, dL/dβ. `coef`: 3·channels floats of scratch.
void bn_backward(float* grad, const float* y, const float* x, std::size_t pixels, int channels,
                 const float* mean, const float* inv_std, const float* gamma, float* grad_x,
                 float* grad_gamma, float* grad_beta, double* scratch, float* coef,
                 cudaStream_t stream);
/// sums[c] = Σ_p x[p·C + c] (the bias gradient of the output layer).
void channel_sums(const float* x, std::size_t pixels, int channels, double* scratch, float* sums,
                  cudaStream_t stream);

/// dst (h × w) = top-left h × w of src (hs × ws), NHWC with `channels`.
void crop_nhwc(const void* src, int hs, int ws, void* dst, int h, int w, int channels, DType type,
               cudaStream_t stream);
/// dst (hp × wp) = src (h × w) in the top-left corner, zeros elsewhere.
void pad_nhwc(const float* src, int h, int w, float* dst, int hp, int wp, int channels,
              cudaStream_t stream);

/// (A, B, k, k) → (A', k, k, B') (PyTorch filter layout to cuDNN's NHWC filter
/// layout), converting to `type`, zero-padded to A' ≥ A, B' ≥ B;
/// filter_from_krsc goes back (fp32, no padding).
void filter_to_krsc(const float* kcrs, int a, int b, int k, int a_padded, int b_padded,
                    void* krsc, DType type, cudaStream_t stream);
void filter_from_krsc(const float* krsc, int a, int b, int k, float* kcrs, cudaStream_t stream);

}  // namespace ismooth::network::cuda
