// One convolution layer on oneDNN 2.6 (see onednn_conv.hpp for the design).
#include "onednn/onednn_conv.hpp"

#include <algorithm>
#include <unordered_map>

namespace ismooth::network::detail {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

memory::desc activation_desc(int channels, Extent extent, dt type) {
  return memory::desc({1, channels, extent.height, extent.width}, type, tag::nhwc);
}

namespace {

dnnl::primitive_attr user_scratchpad(const dnnl::post_ops* ops = nullptr) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (ops != nullptr) attr.set_post_ops(*ops);
  return attr;
}

memory scratch_memory(const dnnl::primitive_desc_base& pd, const dnnl::engine& engine,
                      void* buffer) {
  return memory(pd.scratchpad_desc(), engine, buffer);
}

// A reorder built once per layer: creating one per call (primitive
// descriptor, cache lookup) cost about as much as running it.
dnnl::reorder reorder_between(const dnnl::engine& engine, const memory::desc& from,
                              const memory::desc& to) {
  return dnnl::reorder(dnnl::reorder::primitive_desc(engine, from, engine, to));
}

void run(dnnl::stream& stream, const dnnl::reorder& r, const memory& from, const memory& to) {
  r.execute(stream, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

}  // namespace

ConvLayer::ConvLayer(const dnnl::engine& engine, const LayerSpec& spec, Extent image, dt type)
    : engine_(engine),
      spec_(spec),
      in_(spec.input_extent(image)),
      out_(spec.output_extent(image)),
      type_(type) {
  const Extent extra = spec.extra_padding(image);
  strides_ = {spec.stride, spec.stride};
  dilates_ = {spec.dilation - 1, spec.dilation - 1};
  pad_l_ = {spec.padding, spec.padding};
  pad_r_ = {spec.padding + extra.height, spec.padding + extra.width};
  const memory::desc src = activation_desc(spec.in_channels, in_, type_);
  const memory::desc dst = activation_desc(spec.out_channels, out_);
  const memory::desc any_weights({spec.out_channels, spec.in_channels, spec.kernel, spec.kernel},
                                 type_, tag::any);
  const memory::desc bias =
      has_bias() ? memory::desc({spec.out_channels}, dt::f32, tag::x) : memory::desc();
  const dnnl::primitive_attr attr = user_scratchpad();
  if (spec.kind == LayerKind::transposed_convolution) {
    dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_training,
                                        dnnl::algorithm::deconvolution_direct, src, any_weights,
                                        bias, dst, strides_, dilates_, pad_l_, pad_r_);
    fwd_pd_ = dnnl::deconvolution_forward::primitive_desc(d, attr, engine_);
  } else {
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training,
                                      dnnl::algorithm::convolution_direct, src, any_weights, bias,
                                      dst, strides_, dilates_, pad_l_, pad_r_);
    fwd_pd_ = dnnl::convolution_forward::primitive_desc(d, attr, engine_);
  }
  fwd_ = dnnl::primitive(fwd_pd_);
  weights_ = memory(fwd_pd_.weights_desc(), engine_);
  weights_in_ = reorder_between(engine_, user_weights_desc(), weights_.get_desc());
  if (has_bias()) {
    bias_ = memory(fwd_pd_.weights_desc(1), engine_);
    bias_in_ = reorder_between(engine_, user_bias_desc(), bias_.get_desc());
  }
}

void ConvLayer::build_backward(bool data, bool accumulate) {
  if (backward_built_) return;
  // src and dL/d(output) in type_, dL/dW and dL/d(input) in f32.
  const memory::desc src = activation_desc(spec_.in_channels, in_, type_);
  const memory::desc dst = activation_desc(spec_.out_channels, out_, type_);
  const memory::desc diff_src = activation_desc(spec_.in_channels, in_);
  const memory::desc weights({spec_.out_channels, spec_.in_channels, spec_.kernel, spec_.kernel},
                             type_, tag::any);
  const memory::desc any_weights(
      {spec_.out_channels, spec_.in_channels, spec_.kernel, spec_.kernel}, dt::f32, tag::any);
  const memory::desc bias =
      has_bias() ? memory::desc({spec_.out_channels}, dt::f32, tag::x) : memory::desc();
  const dnnl::primitive_attr attr = user_scratchpad();
  const bool deconv = spec_.kind == LayerKind::transposed_convolution;

  if (deconv) {
    const dnnl::deconvolution_forward::primitive_desc hint(fwd_pd_.get());
    dnnl::deconvolution_backward_weights::desc d(dnnl::algorithm::deconvolution_direct, src,
                                                 any_weights, bias, dst, strides_, dilates_, pad_l_,
                                                 pad_r_);
    bww_pd_ = dnnl::deconvolution_backward_weights::primitive_desc(d, attr, engine_, hint);
  } else {
    const dnnl::convolution_forward::primitive_desc hint(fwd_pd_.get());
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src,
                                               any_weights, bias, dst, strides_, dilates_, pad_l_,
                                               pad_r_);
    bww_pd_ = dnnl::convolution_backward_weights::primitive_desc(d, attr, engine_, hint);
  }
  bww_ = dnnl::primitive(bww_pd_);
  diff_weights_ = memory(bww_pd_.diff_weights_desc(), engine_);
  diff_weights_out_ = reorder_between(engine_, diff_weights_.get_desc(), user_weights_desc());
  if (has_bias()) {
    diff_bias_ = memory(bww_pd_.diff_weights_desc(1), engine_);
    diff_bias_out_ = reorder_between(engine_, diff_bias_.get_desc(), user_bias_desc());
  }

  if (data) {
    flip_ = !deconv && spec_.stride == 1;
    if (flip_) {
      // A forward convolution from the output channels back to the input
      // channels; with stride 1 and padding (k−1)·d/2 it maps out_ to in_.
      dnnl::post_ops ops;
      if (accumulate) ops.append_sum(1.0f);
      const dnnl::primitive_attr flip_attr = user_scratchpad(&ops);
      const memory::desc flipped_weights(
          {spec_.in_channels, spec_.out_channels, spec_.kernel, spec_.kernel}, type_, tag::any);
      dnnl::convolution_forward::desc d(
          dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, dst,
          flipped_weights, memory::desc(), diff_src, strides_, dilates_, pad_l_, pad_r_);
      bwd_data_pd_ = dnnl::convolution_forward::primitive_desc(d, flip_attr, engine_);
    } else if (accumulate) {
      throw dnnl::error(dnnl_unimplemented, "accumulating backward data needs a stride-1 layer");
    } else if (deconv) {
      const dnnl::deconvolution_forward::primitive_desc hint(fwd_pd_.get());
      dnnl::deconvolution_backward_data::desc d(dnnl::algorithm::deconvolution_direct, diff_src,
                                                weights, dst, strides_, dilates_, pad_l_, pad_r_);
      bwd_data_pd_ = dnnl::deconvolution_backward_data::primitive_desc(d, attr, engine_, hint);
    } else {
      const dnnl::convolution_forward::primitive_desc hint(fwd_pd_.get());
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, diff_src,
                                              weights, dst, strides_, dilates_, pad_l_, pad_r_);
      bwd_data_pd_ = dnnl::convolution_backward_data::primitive_desc(d, attr, engine_, hint);
    }
    bwd_data_ = dnnl::primitive(bwd_data_pd_);
    bwd_weights_ = memory(bwd_data_pd_.weights_desc(), engine_);
    const memory::desc user = flip_ ? flipped_desc() : user_weights_desc();
    bwd_weights_in_ = reorder_between(engine_, user, bwd_weights_.get_desc());
    if (flip_) flipped_.resize(user.get_size() / sizeof(float));
  }
  backward_built_ = true;
}

bool ConvLayer::add_bf16_output() {
  if (fwd_bf16_out_) return true;
  if (type_ != dt::bf16 || has_bias()) return false;
  // The weights keep the format the fp32-output primitive chose, so one
  // reorder (set_weights) serves both.
  const memory::desc src = activation_desc(spec_.in_channels, in_, type_);
  const memory::desc dst = activation_desc(spec_.out_channels, out_, dt::bf16);
  const memory::desc weights = fwd_pd_.weights_desc();
  const auto kind = dnnl::prop_kind::forward_inference;
  const dnnl::primitive_attr attr = user_scratchpad();
  try {
    if (spec_.kind == LayerKind::transposed_convolution) {
      dnnl::deconvolution_forward::desc d(kind, dnnl::algorithm::deconvolution_direct, src,
                                          weights, memory::desc(), dst, strides_, dilates_, pad_l_,
                                          pad_r_);
      fwd_bf16_out_pd_ = dnnl::deconvolution_forward::primitive_desc(d, attr, engine_);
    } else {
      dnnl::convolution_forward::desc d(kind, dnnl::algorithm::convolution_direct, src, weights,
                                        memory::desc(), dst, strides_, dilates_, pad_l_, pad_r_);
      fwd_bf16_out_pd_ = dnnl::convolution_forward::primitive_desc(d, attr, engine_);
    }
  } catch (const dnnl::error&) {
    return false;
  }
  fwd_bf16_out_ = dnnl::primitive(fwd_bf16_out_pd_);
  return true;
}

std::size_t ConvLayer::scratchpad_bytes() const {
  std::size_t bytes = fwd_pd_.scratchpad_desc().get_size();
  if (fwd_bf16_out_pd_) bytes = std::max(bytes, fwd_bf16_out_pd_.scratchpad_desc().get_size());
  if (bww_pd_) bytes = std::max(bytes, bww_pd_.scratchpad_desc().get_size());
  if (bwd_data_pd_) bytes = std::max(bytes, bwd_data_pd_.scratchpad_desc().get_size());
  return bytes;
}

void ConvLayer::bind_scratchpad(void* buffer) {
  fwd_scratch_ = scratch_memory(fwd_pd_, engine_, buffer);
  if (fwd_bf16_out_pd_)
    fwd_bf16_out_scratch_ = scratch_memory(fwd_bf16_out_pd_, engine_, buffer);
  if (bww_pd_) bww_scratch_ = scratch_memory(bww_pd_, engine_, buffer);
  if (bwd_data_pd_) bwd_data_scratch_ = scratch_memory(bwd_data_pd_, engine_, buffer);
}

memory::desc ConvLayer::user_weights_desc() const {
  // Logical dims are always (O, I, k, k); the transposed convolution's
  // weights are stored (I, O, k, k) like PyTorch's ConvTranspose2d.
  const tag layout = spec_.kind == LayerKind::transposed_convolution ? tag::iohw : tag::oihw;
  return memory::desc({spec_.out_channels, spec_.in_channels, spec_.kernel, spec_.kernel}, dt::f32,
                      layout);
}

memory::desc ConvLayer::flipped_desc() const {
  return memory::desc({spec_.in_channels, spec_.out_channels, spec_.kernel, spec_.kernel}, dt::f32,
                      tag::oihw);
}

memory::desc ConvLayer::user_bias_desc() const {
  return memory::desc({spec_.out_channels}, dt::f32, tag::x);
}

void ConvLayer::set_weights(dnnl::stream& stream, const float* weight, const float* bias) {
  run(stream, weights_in_, memory(user_weights_desc(), engine_, const_cast<float*>(weight)),
      weights_);
  if (has_bias())
    run(stream, bias_in_, memory(user_bias_desc(), engine_, const_cast<float*>(bias)), bias_);
}

void ConvLayer::flip_weights(const float* weight) {
  const int o_n = spec_.out_channels, i_n = spec_.in_channels, k = spec_.kernel;
  for (int o = 0; o < o_n; ++o)
    for (int i = 0; i < i_n; ++i)
      for (int a = 0; a < k; ++a)
        for (int b = 0; b < k; ++b)
          flipped_[((std::size_t(i) * o_n + o) * k + a) * k + b] =
              weight[((std::size_t(o) * i_n + i) * k + (k - 1 - a)) * k + (k - 1 - b)];
}

void ConvLayer::set_backward_weights(dnnl::stream& stream, const float* weight) {
  if (!bwd_data_) return;
  if (flip_) {
    flip_weights(weight);
    run(stream, bwd_weights_in_, memory(flipped_desc(), engine_, flipped_.data()), bwd_weights_);
  } else {
    run(stream, bwd_weights_in_,
        memory(user_weights_desc(), engine_, const_cast<float*>(weight)), bwd_weights_);
  }
}

void ConvLayer::forward(dnnl::stream& stream, const memory& src, const memory& dst) {
  if (dst.get_desc().data_type() == dt::bf16) {
    if (!fwd_bf16_out_) throw dnnl::error(dnnl_invalid_arguments, "no bf16-output convolution");
    fwd_bf16_out_.execute(stream, {{DNNL_ARG_SRC, src},
                                   {DNNL_ARG_WEIGHTS, weights_},
                                   {DNNL_ARG_DST, dst},
                                   {DNNL_ARG_SCRATCHPAD, fwd_bf16_out_scratch_}});
    return;
  }
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src},
                                          {DNNL_ARG_WEIGHTS, weights_},
                                          {DNNL_ARG_DST, dst},
                                          {DNNL_ARG_SCRATCHPAD, fwd_scratch_}};
  if (has_bias()) args[DNNL_ARG_BIAS] = bias_;
  fwd_.execute(stream, args);
}

void ConvLayer::backward_data(dnnl::stream& stream, const memory& diff_dst,
                              const memory& diff_src) {
  if (flip_) {
    bwd_data_.execute(stream, {{DNNL_ARG_SRC, diff_dst},
                               {DNNL_ARG_WEIGHTS, bwd_weights_},
                               {DNNL_ARG_DST, diff_src},
                               {DNNL_ARG_SCRATCHPAD, bwd_data_scratch_}});
  } else {
    bwd_data_.execute(stream, {{DNNL_ARG_DIFF_DST, diff_dst},
                               {DNNL_ARG_WEIGHTS, bwd_weights_},
                               {DNNL_ARG_DIFF_SRC, diff_src},
                               {DNNL_ARG_SCRATCHPAD, bwd_data_scratch_}});
  }
}

void ConvLayer::backward_weights(dnnl::stream& stream, const memory& src, const memory& diff_dst) {
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src},
                                          {DNNL_ARG_DIFF_DST, diff_dst},
                                          {DNNL_ARG_DIFF_WEIGHTS, diff_weights_},
                                          {DNNL_ARG_SCRATCHPAD, bww_scratch_}};
  if (has_bias()) args[DNNL_ARG_DIFF_BIAS] = diff_bias_;
  bww_.execute(stream, args);
}

void ConvLayer::get_weight_gradients(dnnl::stream& stream, float* diff_weight, float* diff_bias) {
  run(stream, diff_weights_out_, diff_weights_, memory(user_weights_desc(), engine_, diff_weight));
  if (has_bias())
    run(stream, diff_bias_out_, diff_bias_, memory(user_bias_desc(), engine_, diff_bias));
}

std::string ConvLayer::implementations(bool training) const {
  if (!training) {
    if (!fwd_bf16_out_pd_) return std::string("fwd ") + fwd_pd_.impl_info_str();
    return std::string("fwd ") + fwd_bf16_out_pd_.impl_info_str() + " | output bf16";
  }
  std::string s = std::string("fwd ") + fwd_pd_.impl_info_str();
  if (bwd_data_pd_)
    s += std::string(flip_ ? " | bwd-data (flipped fwd) " : " | bwd-data ") +
         bwd_data_pd_.impl_info_str();
  if (bww_pd_) s += std::string(" | bwd-weights ") + bww_pd_.impl_info_str();
  return s;
}

}  // namespace ismooth::network::detail
