#pragma once
// Element-wise CPU kernels of the oneDNN engine on channels-last (NHWC, N = 1)
// tensors, `pixels` rows of `channels` contiguous values: per-image batch
// normalisation and the layout changes at the network's edges. Private to
// ismooth::network.
//
// Precision: convolution outputs (x), BN statistics, parameters and the
// gradients that flow between layers are fp32 (x is bf16 in bf16 inference:
// onednn_network.cpp). Tensors that feed a
// convolution (activations y, skip inputs, the gradient handed to a
// convolution's backward) are stored as `A` = float or bf16: with
// EngineOptions::precision bf16 the engine keeps them in bf16 (half the
// memory traffic, what oneDNN's bf16 kernels read). Every sum and every
// intermediate is fp32; a bf16 store rounds to nearest even once.
//
// oneDNN 2.6 has no way to fuse statistics into a convolution, so these
// kernels keep BN to the fewest memory passes: one for the statistics, one
// that applies scale/shift, the block's residual add and ReLU together, and
// two for the backward pass (masked sums, then the input gradient).
//
// Results do not depend on the thread count: partial sums are taken over
// fixed blocks of pixels and reduced in block order. Nor on the CPU's vector
// width: bf16 inference's BN (bf16 in, bf16 out) runs 16-lane AVX-512 code
// where the CPU has it, with the 8-lane code's operations in its order.

#include <cstddef>
#include <cstdint>

namespace ismooth::network::detail {

/// A bfloat16 value as oneDNN stores it: the high 16 bits of an fp32.
struct bf16 {
  std::uint16_t bits;
};

/// fp32 → bf16, rounded to nearest even (NaN stays NaN).
bf16 to_bf16(float v);
/// bf16 → fp32 (exact).
float to_float(bf16 v);
/// n values, rounded to nearest even.
void to_bf16(const float* from, std::size_t n, bf16* to);
void to_float(const bf16* from, std::size_t n, float* to);
/// Each of n values replaced by its nearest bf16 (to_float(to_bf16(v))).
void round_to_bf16(float* values, std::size_t n);

/// Per-channel mean and 1/sqrt(var + eps) of x (biased variance, as BN in
/// training mode). Sums are taken around the first pixel's value (a shift
/// that keeps E[x²] − E[x]² from cancelling) in float over short runs and in
/// double across runs. X = float, or bf16 (bf16 inference, whose
/// convolutions store their outputs in bf16).
template <class X>
void bn_statistics(const X* x, std::size_t pixels, int channels, float eps, float* mean,
                   float* inv_std);

/// y = relu?(scale·(x − mean) + shift + skip?) per channel; `skip` may be
/// null; y may alias x (X = A). Subtracting the mean first (rather than
/// folding it into the shift) keeps precision when |mean| ≫ σ. A = float or
/// bf16; X = float, or bf16 with A = bf16.
template <class X, class A>
void bn_apply(const X* x, std::size_t pixels, int channels, const float* mean,
              const float* scale, const float* shift, const A* skip, bool relu, A* y);

/// Backward of y = relu?(γ·(x − μ)·σ⁻¹ + β [+ skip]) with per-image μ, σ.
/// On entry `grad` holds dL/dy; if `y` is not null the ReLU mask (y > 0) is
/// applied to it in place, so on return `grad` holds dL/d(pre-ReLU), which is
/// also the gradient of the skip input. Writes dL/dx into `grad_x` (may alias
/// `grad`; G = float) and dL/dγ, dL/dβ. Y, G = float or bf16.
template <class Y, class G>
void bn_backward(float* grad, const Y* y, const float* x, std::size_t pixels, int channels,
                 const float* mean, const float* inv_std, const float* gamma, G* grad_x,
                 float* grad_gamma, float* grad_beta);

/// nhwc[p·C + c] = planar[c·pixels + p] + offset (the input edge).
void planar_to_channels_last(const float* planar, std::size_t pixels, int channels, float offset,
                             float* nhwc);

/// planar[c·pixels + p] = nhwc[p·C + c] + skip?[c·pixels + p] (the output
/// edge; `skip` is the planar input image for residual learning, or null).
void channels_last_to_planar(const float* nhwc, std::size_t pixels, int channels, const float* skip,
                             float* planar);

}  // namespace ismooth::network::detail
