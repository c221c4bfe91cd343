#pragma once
// One convolution layer of the network on oneDNN 2.6, at one image size:
// its forward, backward-data and backward-weights primitives, and the weights
// reordered into the formats those primitives prefer. Private to
// ismooth::network (the engine and the layer tests use it).
//
// Activations are channels-last (nhwc) fp32 everywhere: oneDNN 2.6 runs its
// fastest fp32 kernels (brgconv) on nhwc for these shapes, while the blocked
// nChw16c layout has no fast forward for dilation 8/16 above 224² (docs/spec/network.md,
// pitfall 2); one fixed layout also lets our BN kernels stay simple. Weights
// use `format_tag::any`, reordered once per set_weights.
//
// Backward data: for stride-1 convolutions it is computed as a *forward*
// convolution of dL/dy with flipped, channel-transposed weights
// (W'[i][o][a][b] = W[o][i][k−1−a][k−1−b], same dilation and padding): oneDNN
// 2.6 has no fast backward-data kernel for dilation 8/16 (pitfall 2), and the
// forward path also lets the residual block accumulate its skip gradient with
// a sum post-op. The stride-2 and transposed layers use oneDNN's own
// backward-data primitives.
//
// Precision: a layer built with `bf16` takes bf16 source activations,
// weights and (in backward) bf16 dL/d(output); every convolution writes fp32
// (outputs, dL/d(input), dL/dW: fp32 accumulation in oneDNN's
// avx512_core_bf16 kernels), so BN statistics and the gradients that are
// summed across layers stay fp32. The user's fp32 weights are converted by
// the weight reorders. Inference may add a second forward primitive that
// rounds the (fp32-accumulated) output to bf16 once on store
// (add_bf16_output): per-image BN then reads half the bytes.
//
// The transposed convolution runs without bias or post-ops (pitfall 1: fused
// post-ops send it to a slow reference kernel); its bias cancels in the BN
// that follows anyway.

#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "ismooth/network/network_description.hpp"

namespace ismooth::network::detail {

/// nhwc descriptor of a (1, channels, h, w) activation.
dnnl::memory::desc activation_desc(int channels, Extent extent,
                                   dnnl::memory::data_type type = dnnl::memory::data_type::f32);

/// The float data of a CPU memory object.
inline float* data_of(const dnnl::memory& m) { return static_cast<float*>(m.get_data_handle()); }
/// The data of a CPU memory object as T (float or bf16, its data type).
template <class T>
T* data_as(const dnnl::memory& m) {
  return static_cast<T*>(m.get_data_handle());
}

class ConvLayer {
 public:
  /// Forward primitive for `spec` at image size `image`, computing in
  /// `type` (f32 or bf16: the source, weights and backward's dL/d(output);
  /// outputs are f32). The bias is fused only where no BN follows (the
  /// output layer).
  ConvLayer(const dnnl::engine& engine, const LayerSpec& spec, Extent image,
            dnnl::memory::data_type type = dnnl::memory::data_type::f32);

  /// Adds the backward-weights primitive and, if `data`, the backward-data
  /// one; `accumulate` makes backward-data add to its destination (the skip
  /// gradient of a residual block; stride-1 layers only).
  void build_backward(bool data, bool accumulate);
  bool has_backward() const { return backward_built_; }
  bool has_backward_data() const { return bool(bwd_data_); }

  const LayerSpec& spec() const { return spec_; }
  Extent input_extent() const { return in_; }
  Extent output_extent() const { return out_; }
  bool has_bias() const { return spec_.role == LayerRole::output; }
  /// The data type of the source and of backward's dL/d(output).
  dnnl::memory::data_type type() const { return type_; }

  /// Largest scratchpad any of this layer's primitives needs, in bytes.
  std::size_t scratchpad_bytes() const;
  /// Points every primitive's scratchpad at `buffer` (≥ scratchpad_bytes()).
  void bind_scratchpad(void* buffer);

  /// Reorders the user's weights (network_description.hpp layout) and bias
  /// into the forward primitive's formats.
  void set_weights(dnnl::stream& stream, const float* weight, const float* bias);
  /// Prepares the weights of backward data (flipped and transposed for the
  /// stride-1 path) from the user's weights.
  void set_backward_weights(dnnl::stream& stream, const float* weight);
  // The weight reorders' primitives are built with the layer, once: building
  // one per call cost about as much as running it. Each is small (0.02-0.07
  // ms for 37K weights), so the engine runs whole layers per thread
  // (onednn_network.cpp, for_each_layer).

  /// Adds a forward primitive that writes bf16 (a bf16 layer only; same
  /// weights). Returns false, changing nothing, where oneDNN has none.
  bool add_bf16_output();
  bool has_bf16_output() const { return bool(fwd_bf16_out_); }

  /// dst = conv(src) (+ bias); dst is f32, or bf16 after add_bf16_output().
  void forward(dnnl::stream& stream, const dnnl::memory& src, const dnnl::memory& dst);
  /// diff_src = dL/dsrc given diff_dst = dL/ddst (added to diff_src if built
  /// with accumulate).
  void backward_data(dnnl::stream& stream, const dnnl::memory& diff_dst,
                     const dnnl::memory& diff_src);
  /// dL/dW and, for the output layer, dL/db, kept in the primitive's own
  /// format until get_weight_gradients().
  void backward_weights(dnnl::stream& stream, const dnnl::memory& src, const dnnl::memory& diff_dst);
  /// The latest backward_weights()'s dL/dW into `diff_weight` (user layout)
  /// and, for the output layer, dL/db into `diff_bias`.
  void get_weight_gradients(dnnl::stream& stream, float* diff_weight, float* diff_bias);

  /// oneDNN's implementation names, e.g. "fwd brgconv:avx512_core | ...":
  /// with `training` the forward that keeps fp32 outputs and the backward
  /// ones built; without, the forward inference runs (the bf16-output one,
  /// marked "| output bf16", where added).
  std::string implementations(bool training) const;

 private:
  dnnl::memory::desc user_weights_desc() const;
  dnnl::memory::desc user_bias_desc() const;
  /// (I, O, k, k) fp32: the flipped, transposed weights of flip_weights.
  dnnl::memory::desc flipped_desc() const;
  /// `weight` flipped and transposed into flipped_ (the stride-1 backward
  /// data's weights, still in the user's fp32).
  void flip_weights(const float* weight);

  dnnl::engine engine_;
  LayerSpec spec_;
  Extent in_, out_;
  dnnl::memory::data_type type_;
  dnnl::memory::dims strides_, dilates_, pad_l_, pad_r_;
  bool backward_built_ = false;
  bool flip_ = false;  // backward data as a forward conv with flipped weights

  dnnl::primitive_desc fwd_pd_;
  dnnl::primitive fwd_;
  dnnl::primitive_desc fwd_bf16_out_pd_;
  dnnl::primitive fwd_bf16_out_;
  dnnl::memory weights_, bias_;
  dnnl::reorder weights_in_, bias_in_;  // user's fp32 → weights_, bias_

  dnnl::primitive_desc bwd_data_pd_;
  dnnl::primitive bwd_data_;
  dnnl::memory bwd_weights_;  // weights in the backward-data primitive's format
  dnnl::reorder bwd_weights_in_;  // user's (flipped) fp32 → bwd_weights_
  std::vector<float> flipped_;

  dnnl::primitive_desc bww_pd_;
  dnnl::primitive bww_;
  dnnl::memory diff_weights_, diff_bias_;
  dnnl::reorder diff_weights_out_, diff_bias_out_;  // → the user's layout

  dnnl::memory fwd_scratch_, fwd_bf16_out_scratch_, bwd_data_scratch_, bww_scratch_;
};

}  // namespace ismooth::network::detail
