// The oneDNN CPU engine: the network of describe_layers() as ConvLayer
// primitives plus our per-image BN kernels, with primitives and buffers
// cached per input size ("plans").
//
// Data flow (channels-last throughout; reorders only at the edges):
//   input (3,H,W) planar → x0 = I255 − 115 (nhwc) → conv → BN statistics →
//   BN apply (+ block input) + ReLU → … → conv_L (+ bias) → planar + I255.
// In fp32 inference each BN is applied in place and activations rotate
// through a few buffers per size; training keeps every conv output and
// activation for backward.
//
// Precision bf16 (EngineOptions::precision): every hidden layer computes in
// bf16 (bf16 activations and weights, fp32 sums); BN statistics and the
// BN/ReLU arithmetic stay fp32 and BN writes the activation as bf16 for the
// next convolution. Convolution outputs are fp32 in training (BN's backward
// reads them); in inference the bf16 convolutions store them in bf16,
// rounded once from their fp32 sums, so BN reads half the bytes. The first layer (3 input channels: 0.6% of the FLOPs, and
// its input I − 115 would lose up to half a grey level in bf16) and the
// output layer (64 → 3, 1×1: 0.07% of the FLOPs, whose output is the
// residual added to I) run in fp32. In backward, dL/d(conv output)
// handed to a bf16 convolution is bf16; dL/d(activation) and the skip
// gradients it accumulates into are fp32.
#include "onednn/onednn_network.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <sstream>

#include "ismooth/error.hpp"
#include "onednn/cpu_kernels.hpp"
#include "onednn/onednn_conv.hpp"

namespace ismooth::network::detail {

namespace {

constexpr float kInputOffset = -115.0f;  // x = 255·I − 115 (docs/spec/network.md)

using dt = dnnl::memory::data_type;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// Activation buffers handed out by descriptor (shape and data type): the
// first call at a size allocates what it asks for, later calls, asking in the
// same order, find them all.
class BufferPool {
 public:
  // A buffer of `desc` that is none of `avoid`.
  dnnl::memory& get(const dnnl::engine& engine, const dnnl::memory::desc& desc,
                    std::initializer_list<const dnnl::memory*> avoid, std::size_t* bytes) {
    for (dnnl::memory& m : buffers_) {
      if (m.get_desc() != desc) continue;
      bool free = true;
      for (const dnnl::memory* a : avoid) free = free && a != &m;
      if (free) return m;
    }
    buffers_.emplace_back(desc, engine);
    *bytes += desc.get_size();
    return buffers_.back();
  }

 private:
  std::deque<dnnl::memory> buffers_;  // a deque keeps references stable
};

// Calls f(T{}) with T the C++ type of `type` (float or bf16).
template <class F>
void with_type(dt type, F&& f) {
  if (type == dt::bf16)
    f(bf16{});
  else
    f(float{});
}

// The state of one input size: primitives, weights in their formats, buffers.
struct Plan {
  Extent image, half;
  std::vector<ConvLayer> convs;
  std::unique_ptr<void, FreeDeleter> scratch;
  std::size_t scratch_bytes = 0;
  std::uint64_t weights_version = 0;   // of the forward weights
  std::uint64_t backward_version = 0;  // of the backward-data weights
  bool backward_built = false;

  // Inference buffers.
  bool inference_ready = false;
  dnnl::memory x0, out3;
  BufferPool pool;

  // Training: every conv output and activation, BN statistics, and the
  // gradient buffers of backward.
  bool training_ready = false;
  bool has_forward_state = false;
  dnnl::memory train_x0, train_out3;
  std::vector<dnnl::memory> conv_out, act;
  std::vector<float> mean, inv_std;  // per layer, `width` each
  BufferPool grad_pool;
  dnnl::memory grad3, grad_x3;

  std::size_t buffer_bytes = 0;
};

std::size_t bytes_of(const dnnl::memory& m) { return m ? m.get_desc().get_size() : 0; }

// Adds the wall time of its scope to (*sink)[name]; does nothing when sink is
// null (timings off).
class PhaseTimer {
 public:
  PhaseTimer(std::map<std::string, double>* sink, const char* name) : sink_(sink), name_(name) {
    if (sink_ != nullptr) start_ = std::chrono::steady_clock::now();
  }
  ~PhaseTimer() {
    if (sink_ != nullptr)
      (*sink_)[name_] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  std::map<std::string, double>* sink_;
  const char* name_;
  std::chrono::steady_clock::time_point start_;
};

class OnednnNetwork final : public Network {
 public:
  OnednnNetwork(const NetworkConfig& config, const Parameters& params, const EngineOptions& options)
      : config_((config.validate("make_network"), config)),
        layers_(describe_layers(config)),
        engine_(dnnl::engine::kind::cpu, 0),
        stream_(engine_),
        max_cached_(options.max_cached_sizes),
        collect_timings_(options.collect_timings),
        precision_(options.precision) {
    std::string why;
    if (!onednn_supports(precision_, &why)) fail("make_network: ", why);
    set_parameters(params);
  }

  const NetworkConfig& config() const override { return config_; }
  EngineKind kind() const override { return EngineKind::onednn_cpu; }
  bool supports_tiling() const override { return true; }

  std::string engine_info() const override {
    const dnnl::version_t* v = dnnl::version();
    std::ostringstream s;
    s << "oneDNN " << v->major << "." << v->minor << "." << v->patch << " cpu (" << cpu_isa_name()
      << "), " << to_string(precision_) << ", nhwc";
    return s.str();
  }

  void set_parameters(const Parameters& params) override {
    check_parameters(config_, params, "Network::set_parameters");
    params_ = params;
    ++version_;
    // Activations kept by forward() belong to the old weights.
    for (auto& plan : plans_) plan->has_forward_state = false;
  }

  const Parameters& parameters() const override { return params_; }

  void infer(const Image<float>& input, Image<float>& output) override {
    Plan& plan = plan_for(input, "Network::infer");
    ensure_inference_buffers(plan);
    run_forward(plan, input, &output, false);
  }

  ActivationView forward_to_layer(const Image<float>& input,
                                  const std::vector<BatchNormStatistics>& statistics,
                                  std::size_t layer) override {
    require(layer < layers_.size(), "Network::forward_to_layer: layer index ", layer, " of ",
            layers_.size());
    check_statistics(statistics, layer, "Network::forward_to_layer");
    Plan& plan = plan_for(input, "Network::forward_to_layer");
    ensure_inference_buffers(plan);
    return run_forward(plan, input, nullptr, false, &statistics, layer);
  }

  void infer_with_statistics(const Image<float>& input,
                             const std::vector<BatchNormStatistics>& statistics,
                             Image<float>& output) override {
    check_statistics(statistics, layers_.size(), "Network::infer_with_statistics");
    Plan& plan = plan_for(input, "Network::infer_with_statistics");
    ensure_inference_buffers(plan);
    run_forward(plan, input, &output, false, &statistics);
  }

  void forward(const Image<float>& input, Image<float>& output) override {
    Plan& plan = plan_for(input, "Network::forward");
    ensure_training(plan);
    plan.has_forward_state = false;
    run_forward(plan, input, &output, true);
    plan.has_forward_state = true;
  }

  void backward(const Image<float>& grad_output, Parameters& gradients,
                Image<float>* grad_input) override;

  std::size_t workspace_bytes() const override {
    std::size_t total = params_.num_values() * sizeof(float);
    for (const auto& plan : plans_) total += plan->buffer_bytes + plan->scratch_bytes;
    return total;
  }

  void clear_cache() override { plans_.clear(); }

  std::map<std::string, double> timings() const override { return timings_; }
  void reset_timings() override { timings_.clear(); }

  std::string kernels(Extent image, bool training) override {
    Plan& plan = plan_for(image);
    if (training)
      ensure_backward_primitives(plan);
    else
      ensure_inference_buffers(plan);
    std::string s;
    for (const ConvLayer& conv : plan.convs)
      s += "layer " + std::to_string(conv.spec().number) +
           (conv.type() == dt::bf16 ? " bf16: " : " fp32: ") + conv.implementations(training) +
           "\n";
    return s;
  }

 private:
  Plan& plan_for(const Image<float>& image, const char* caller) {
    check_image(image, caller);
    return plan_for(Extent{int(height(image)), int(width(image))});
  }

  // The plan of `image`, most recently used first; builds it on a miss and
  // drops the least recently used beyond the cache size.
  Plan& plan_for(Extent image) {
    for (auto it = plans_.begin(); it != plans_.end(); ++it) {
      if ((*it)->image == image) {
        plans_.splice(plans_.begin(), plans_, it);
        return *plans_.front();
      }
    }
    auto plan = std::make_unique<Plan>();
    plan->image = image;
    plan->half = half_extent(image);
    plan->convs.reserve(layers_.size());
    for (std::size_t l = 0; l < layers_.size(); ++l)
      plan->convs.emplace_back(engine_, layers_[l], image, layer_type(l));
    bind_scratchpad(*plan);
    plans_.push_front(std::move(plan));
    while (plans_.size() > static_cast<std::size_t>(max_cached_)) plans_.pop_back();
    return *plans_.front();
  }

  void bind_scratchpad(Plan& plan) {
    std::size_t bytes = 64;
    for (const ConvLayer& conv : plan.convs) bytes = std::max(bytes, conv.scratchpad_bytes());
    bytes = (bytes + 63) / 64 * 64;
    if (bytes > plan.scratch_bytes) {
      plan.scratch.reset(std::aligned_alloc(64, bytes));
      if (!plan.scratch) fail("Network: cannot allocate ", bytes, " bytes of scratchpad");
      plan.scratch_bytes = bytes;
    }
    for (ConvLayer& conv : plan.convs) conv.bind_scratchpad(plan.scratch.get());
  }

  // The data type layer l computes in (its source and backward's
  // dL/d(output)): bf16 for the hidden layers under Precision::bf16, f32 for
  // the first and the output layer (see the top of this file).
  dt layer_type(std::size_t l) const {
    const bool edge = l == 0 || layers_[l].role == LayerRole::output;
    return precision_ == Precision::bf16 && !edge ? dt::bf16 : dt::f32;
  }
  // The data type of layer l's activation: what layer l + 1 reads.
  dt activation_type(std::size_t l) const {
    return l + 1 < layers_.size() ? layer_type(l + 1) : dt::f32;
  }

  dnnl::memory allocate(Plan& plan, int channels, Extent extent, dt type = dt::f32) {
    dnnl::memory m(activation_desc(channels, extent, type), engine_);
    plan.buffer_bytes += bytes_of(m);
    return m;
  }

  void ensure_inference_buffers(Plan& plan) {
    if (plan.inference_ready) return;
    plan.x0 = allocate(plan, 3, plan.image);
    plan.out3 = allocate(plan, 3, plan.image);
    // bf16 inference stores the outputs of bf16 layers whose BN feeds a
    // bf16 layer in bf16: BN then reads half the bytes.
    bool added = false;
    for (std::size_t l = 0; l < layers_.size(); ++l)
      if (layers_[l].batch_norm() && layer_type(l) == dt::bf16 &&
          activation_type(l) == dt::bf16)
        added = plan.convs[l].add_bf16_output() || added;
    if (added) bind_scratchpad(plan);
    plan.inference_ready = true;
  }

  // Backward primitives for every layer (the first layer's backward data
  // serves dL/dI255 on request); the first conv of each block adds into the
  // skip gradient.
  void ensure_backward_primitives(Plan& plan) {
    if (plan.backward_built) return;
    for (ConvLayer& conv : plan.convs)
      conv.build_backward(true, conv.spec().role == LayerRole::block_first);
    bind_scratchpad(plan);
    plan.backward_built = true;
  }

  void ensure_training(Plan& plan) {
    if (plan.training_ready) return;
    ensure_backward_primitives(plan);
    const int c = config_.width;
    plan.train_x0 = allocate(plan, 3, plan.image);
    plan.train_out3 = allocate(plan, 3, plan.image);
    plan.conv_out.resize(layers_.size());
    plan.act.resize(layers_.size());
    for (std::size_t l = 0; l + 1 < layers_.size(); ++l) {
      const Extent e = plan.convs[l].output_extent();
      plan.conv_out[l] = allocate(plan, c, e);
      plan.act[l] = allocate(plan, c, e, activation_type(l));
    }
    plan.conv_out.back() = plan.train_out3;
    plan.mean.assign(layers_.size() * c, 0.0f);
    plan.inv_std.assign(layers_.size() * c, 0.0f);
    plan.grad3 = allocate(plan, 3, plan.image);
    plan.grad_x3 = allocate(plan, 3, plan.image);
    plan.training_ready = true;
  }

  // f(l, stream) for every layer l, the layers shared among the threads,
  // each call with a stream of its own. For the per-layer weight reorders:
  // each is small (0.02-0.07 ms on one thread), and split over two threads
  // it took longer (ONEDNN_VERBOSE, passive OpenMP wait: 0.07 → 0.10 ms for
  // one layer's fp32 → bf16 weights, 0.02 → 0.07 ms for its dL/dW, 0.003 →
  // 0.06 ms for a 64-value bias), the threads' wake-up costing more than the
  // work. Inside a parallel region oneDNN runs each primitive on the calling
  // thread. An exception leaves the region as the first one thrown.
  template <class F>
  void for_each_layer(F&& f) {
    std::exception_ptr error;
    const long n = long(layers_.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (long l = 0; l < n; ++l) {
      try {
        dnnl::stream stream(engine_);  // a CPU stream is a small object
        f(std::size_t(l), stream);
        stream.wait();
      } catch (...) {
#pragma omp critical(ismooth_onednn_layers)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
  }

  void prepare_weights(Plan& plan) {
    if (plan.weights_version == version_) return;
    for_each_layer([&](std::size_t l, dnnl::stream& stream) {
      const LayerSpec& spec = layers_[l];
      plan.convs[l].set_weights(stream, params_.at(spec.weight_name()).data(),
                                params_.at(spec.bias_name()).data());
    });
    plan.weights_version = version_;
  }

  void prepare_backward_weights(Plan& plan) {
    if (plan.backward_version == version_) return;
    for_each_layer([&](std::size_t l, dnnl::stream& stream) {
      plan.convs[l].set_backward_weights(stream, params_.at(layers_[l].weight_name()).data());
    });
    plan.backward_version = version_;
  }

  // A buffer of `pool` for `channels` × `extent` in `type`, none of `avoid`.
  dnnl::memory* pick(Plan& plan, BufferPool& pool, Extent extent, dt type,
                     std::initializer_list<const dnnl::memory*> avoid) {
    return &pool.get(engine_, activation_desc(config_.width, extent, type), avoid,
                     &plan.buffer_bytes);
  }

  // Runs the layers on `input`. With `fixed`, BN layers take their
  // statistics from it instead of the activation; with `stop` < the number
  // of layers, stops after the convolution of layer `stop` (before its BN)
  // and returns a view of its output instead of writing `output`.
  ActivationView run_forward(Plan& plan, const Image<float>& input, Image<float>* output,
                             bool training, const std::vector<BatchNormStatistics>* fixed = nullptr,
                             std::size_t stop = std::size_t(-1));

  // Every BN layer before `end` needs `width` means and inverse deviations.
  void check_statistics(const std::vector<BatchNormStatistics>& statistics, std::size_t end,
                        const char* caller) const {
    require(statistics.size() == layers_.size(), caller, ": expected statistics for ",
            layers_.size(), " layers, got ", statistics.size());
    const std::size_t c = std::size_t(config_.width);
    for (std::size_t l = 0; l < end; ++l)
      if (layers_[l].batch_norm())
        require(statistics[l].mean.size() == c && statistics[l].inv_std.size() == c, caller,
                ": statistics of layer ", l + 1, " need ", c, " values each, got ",
                statistics[l].mean.size(), " and ", statistics[l].inv_std.size());
  }

  PhaseTimer timer(const char* name) {
    return PhaseTimer(collect_timings_ ? &timings_ : nullptr, name);
  }
  NetworkConfig config_;
  std::vector<LayerSpec> layers_;
  Parameters params_;
  std::uint64_t version_ = 0;
  dnnl::engine engine_;
  dnnl::stream stream_;
  int max_cached_;
  bool collect_timings_;
  Precision precision_;
  std::map<std::string, double> timings_;
  std::list<std::unique_ptr<Plan>> plans_;
  // Per-call BN scale for inference (width each).
  std::vector<float> scale_, mean_, inv_std_;
};

ActivationView OnednnNetwork::run_forward(Plan& plan, const Image<float>& input,
                                          Image<float>* output, bool training,
                                          const std::vector<BatchNormStatistics>* fixed,
                                          std::size_t stop) {
  {
    const PhaseTimer t = timer("weights");
    prepare_weights(plan);
  }
  const int c = config_.width;
  const std::size_t pixels = std::size_t(plan.image.height) * plan.image.width;
  dnnl::memory& x0 = training ? plan.train_x0 : plan.x0;
  {
    const PhaseTimer t = timer("edges");
    planar_to_channels_last(input.data(), pixels, 3, kInputOffset, data_of(x0));
  }
  scale_.resize(c);
  mean_.resize(c);
  inv_std_.resize(c);

  const dnnl::memory* in = &x0;
  const dnnl::memory* block_input = nullptr;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& spec = layers_[l];
    ConvLayer& conv = plan.convs[l];
    const dnnl::memory *out, *act;
    if (training) {
      out = &plan.conv_out[l];
      act = spec.batch_norm() ? &plan.act[l] : out;
    } else if (spec.role == LayerRole::output) {
      out = act = &plan.out3;
    } else {
      const Extent e = conv.output_extent();
      // BN in place where the convolution's output has the activation's
      // type (fp32, or bf16 output: ensure_inference_buffers); otherwise BN
      // writes the next layer's bf16 source. forward_to_layer's view is fp32
      // (rounded to bf16 values below where BN reads bf16).
      const dt out_type = conv.has_bf16_output() && l != stop ? dt::bf16 : dt::f32;
      out = pick(plan, plan.pool, e, out_type, {in, block_input});
      act = activation_type(l) == out_type
                ? out
                : pick(plan, plan.pool, e, activation_type(l), {in, block_input, out});
    }
    {
      const PhaseTimer t = timer("conv_forward");
      conv.forward(stream_, *in, *out);
      stream_.wait();
    }
    if (l == stop) {
      // Where the whole image's BN reads this output as bf16, the view holds
      // those values, so statistics summed over tiles are the ones BN uses.
      const std::size_t n = std::size_t(conv.output_extent().height) * conv.output_extent().width;
      if (conv.has_bf16_output()) round_to_bf16(data_of(*out), n * std::size_t(c));
      return ActivationView{data_of(*out), conv.output_extent(), c};
    }
    if (spec.batch_norm()) {
      const PhaseTimer t = timer("bn_forward");
      const std::size_t n = std::size_t(conv.output_extent().height) * conv.output_extent().width;
      float* mean = training ? &plan.mean[l * c] : mean_.data();
      float* inv_std = training ? &plan.inv_std[l * c] : inv_std_.data();
      if (fixed != nullptr) {
        std::copy_n((*fixed)[l].mean.data(), c, mean);
        std::copy_n((*fixed)[l].inv_std.data(), c, inv_std);
      } else {
        with_type(out->get_desc().data_type(), [&](auto type) {
          bn_statistics(data_as<decltype(type)>(*out), n, c, config_.batch_norm_epsilon, mean,
                        inv_std);
        });
      }
      const float* gamma = params_.at(spec.bn_weight_name()).data();
      for (int k = 0; k < c; ++k) scale_[k] = gamma[k] * inv_std[k];
      const bool skip = spec.role == LayerRole::block_second;
      const float* beta = params_.at(spec.bn_bias_name()).data();
      if (out->get_desc().data_type() == dt::bf16) {
        bn_apply(data_as<bf16>(*out), n, c, mean, scale_.data(), beta,
                 skip ? data_as<bf16>(*block_input) : nullptr, spec.relu(), data_as<bf16>(*act));
      } else {
        with_type(activation_type(l), [&](auto type) {
          using A = decltype(type);
          bn_apply(data_of(*out), n, c, mean, scale_.data(), beta,
                   skip ? data_as<A>(*block_input) : nullptr, spec.relu(), data_as<A>(*act));
        });
      }
    }
    if (spec.role == LayerRole::block_first) block_input = in;
    if (spec.role == LayerRole::block_second) block_input = nullptr;
    in = act;
  }
  const PhaseTimer t = timer("edges");
  output->resize(
      Image<float>::shape_type{3, std::size_t(plan.image.height), std::size_t(plan.image.width)});
  channels_last_to_planar(data_of(*in), pixels, 3, config_.residual_image ? input.data() : nullptr,
                          output->data());
  return {};
}

void OnednnNetwork::backward(const Image<float>& grad_output, Parameters& gradients,
                             Image<float>* grad_input) {
  check_image(grad_output, "Network::backward: grad_output");
  const Extent image{int(height(grad_output)), int(width(grad_output))};
  Plan* found = nullptr;
  for (auto& plan : plans_)
    if (plan->image == image && plan->has_forward_state) found = plan.get();
  if (found == nullptr)
    fail("Network::backward: no forward() at ", image.width, "x", image.height,
         " since the last set_parameters(); call forward() first");
  Plan& plan = *found;
  {
    const PhaseTimer t = timer("weights");
    prepare_backward_weights(plan);
  }
  if (!gradients.same_layout(params_)) gradients = make_parameters(config_);

  const int c = config_.width;
  const std::size_t pixels = std::size_t(image.height) * image.width;
  {
    const PhaseTimer t = timer("edges");
    planar_to_channels_last(grad_output.data(), pixels, 3, 0.0f, data_of(plan.grad3));
  }

  // g: dL/d(activation of layer l); for the output layer dL/d(conv output).
  dnnl::memory* g = &plan.grad3;
  dnnl::memory* skip_grad = nullptr;  // dL/d(block input) so far, via the skip
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const LayerSpec& spec = layers_[i];
    ConvLayer& conv = plan.convs[i];
    const std::size_t n = std::size_t(conv.output_extent().height) * conv.output_extent().width;
    dnnl::memory* grad_conv = g;
    if (spec.batch_norm()) {
      const PhaseTimer t = timer("bn_backward");
      const float* mean = &plan.mean[i * c];
      const float* inv_std = &plan.inv_std[i * c];
      const float* gamma = params_.at(spec.bn_weight_name()).data();
      float* d_gamma = gradients.at(spec.bn_weight_name()).data();
      float* d_beta = gradients.at(spec.bn_bias_name()).data();
      // Keep the masked gradient in g for a block's second layer: it flows
      // to the block input as is. A bf16 layer takes dL/d(conv output) in
      // bf16.
      if (spec.role == LayerRole::block_second || conv.type() != dt::f32)
        grad_conv = pick(plan, plan.grad_pool, conv.output_extent(), conv.type(), {g, skip_grad});
      with_type(activation_type(i), [&](auto y_type) {
        with_type(conv.type(), [&](auto g_type) {
          using Y = decltype(y_type);
          using G = decltype(g_type);
          bn_backward(data_of(*g), data_as<Y>(plan.act[i]), data_of(plan.conv_out[i]), n, c, mean,
                      inv_std, gamma, data_as<G>(*grad_conv), d_gamma, d_beta);
        });
      });
      if (spec.role == LayerRole::block_second) skip_grad = g;
      // The conv bias cancels in the normalisation.
      std::vector<float>& d_conv_bias = gradients.at(spec.bias_name()).values;
      std::fill(d_conv_bias.begin(), d_conv_bias.end(), 0.0f);
    }
    {
      const PhaseTimer t = timer("conv_backward_weights");
      const dnnl::memory& src = i == 0 ? plan.train_x0 : plan.act[i - 1];
      conv.backward_weights(stream_, src, *grad_conv);
      stream_.wait();
    }
    if (i == 0 && grad_input == nullptr) break;
    dnnl::memory* target;
    if (spec.role == LayerRole::block_first) {
      target = skip_grad;  // backward data adds to it (sum post-op)
      skip_grad = nullptr;
    } else if (i == 0) {
      target = &plan.grad_x3;
    } else {
      target = pick(plan, plan.grad_pool, conv.input_extent(), dt::f32, {grad_conv, skip_grad});
    }
    {
      const PhaseTimer t = timer("conv_backward_data");
      conv.backward_data(stream_, *grad_conv, *target);
      stream_.wait();
    }
    g = target;
  }
  stream_.wait();
  {
    // dL/dW from each layer's format into the user's, all layers at once.
    const PhaseTimer t = timer("weights");
    for_each_layer([&](std::size_t l, dnnl::stream& stream) {
      const LayerSpec& spec = layers_[l];
      ConvLayer& conv = plan.convs[l];
      float* d_bias = conv.has_bias() ? gradients.at(spec.bias_name()).data() : nullptr;
      conv.get_weight_gradients(stream, gradients.at(spec.weight_name()).data(), d_bias);
    });
  }
  if (grad_input != nullptr) {
    const PhaseTimer t = timer("edges");
    grad_input->resize(
        Image<float>::shape_type{3, std::size_t(image.height), std::size_t(image.width)});
    // x = I255 − 115, so dL/dI255 = dL/dx (+ dL/dT through the skip).
    channels_last_to_planar(data_of(plan.grad_x3), pixels, 3,
                            config_.residual_image ? grad_output.data() : nullptr,
                            grad_input->data());
  }
}

}  // namespace

const char* cpu_isa_name() {
  using isa = dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case isa::sse41:
      return "sse41";
    case isa::avx:
      return "avx";
    case isa::avx2:
      return "avx2";
    case isa::avx512_mic:
      return "avx512_mic";
    case isa::avx512_mic_4ops:
      return "avx512_mic_4ops";
    case isa::avx512_core:
      return "avx512_core";
    case isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case isa::avx512_core_amx:
      return "avx512_core_amx";
    case isa::avx2_vnni:
      return "avx2_vnni";
    default:
      return "unknown ISA";
  }
}

bool onednn_supports(Precision precision, std::string* why) {
  std::string reason;
  if (precision == Precision::bf16) {
    // oneDNN's ISA values are feature masks: avx512_core_bf16's bits are set
    // in every ISA that has native bf16 dot products (AMX included).
    const auto bits = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto need = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
    if ((bits & need) != need)
      reason = std::string("bf16 needs a CPU with AVX512-BF16 or AMX (oneDNN's ISA here is ") +
               cpu_isa_name() +
               "; ONEDNN_MAX_CPU_ISA may limit it); use fp32 on this machine";
  } else if (precision != Precision::fp32) {
    reason = std::string("the oneDNN CPU engine runs fp32 or bf16, not ") + to_string(precision);
  }
  if (why != nullptr) *why = reason;
  return reason.empty();
}

std::unique_ptr<Network> make_onednn_network(const NetworkConfig& config, const Parameters& params,
                                             const EngineOptions& options) {
  return std::make_unique<OnednnNetwork>(config, params, options);
}

std::string onednn_implementations(Network& network, Extent image) {
  auto* onednn = dynamic_cast<OnednnNetwork*>(&network);
  require(onednn != nullptr, "onednn_implementations: not a oneDNN network");
  return onednn->kernels(image, true);
}

}  // namespace ismooth::network::detail
