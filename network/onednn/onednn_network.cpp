// The oneDNN CPU engine: the network of describe_layers() as ConvLayer
// primitives plus our per-image BN kernels, with primitives and buffers
// cached per input size ("plans").
//
// Data flow (channels-last fp32 throughout; reorders only at the edges):
//   input (3,H,W) planar → x0 = I255 − 115 (nhwc) → conv → BN statistics →
//   BN apply (+ block input) + ReLU → … → conv_L (+ bias) → planar + I255.
// In inference each BN is applied in place and activations rotate through
// two full-resolution and three half-resolution buffers; training keeps every
// conv output and activation for backward.
#include "onednn/onednn_network.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
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

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

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
  std::array<dnnl::memory, 2> full;
  std::array<dnnl::memory, 3> half_buffers;

  // Training: every conv output and activation, BN statistics, and the
  // gradient buffers of backward.
  bool training_ready = false;
  bool has_forward_state = false;
  dnnl::memory train_x0, train_out3;
  std::vector<dnnl::memory> conv_out, act;
  std::vector<float> mean, inv_std;  // per layer, `width` each
  std::array<dnnl::memory, 2> grad_full;
  std::array<dnnl::memory, 3> grad_half;
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
        collect_timings_(options.collect_timings) {
    set_parameters(params);
  }

  const NetworkConfig& config() const override { return config_; }
  EngineKind kind() const override { return EngineKind::onednn_cpu; }
  bool supports_tiling() const override { return true; }

  std::string engine_info() const override {
    const dnnl::version_t* v = dnnl::version();
    std::ostringstream s;
    s << "oneDNN " << v->major << "." << v->minor << "." << v->patch << " cpu, fp32, nhwc";
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

  std::string implementations(Extent image) {
    Plan& plan = plan_for(image);
    ensure_backward_primitives(plan);
    std::string s;
    for (const ConvLayer& conv : plan.convs)
      s += "layer " + std::to_string(conv.spec().number) + ": " + conv.implementations() + "\n";
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
    for (const LayerSpec& spec : layers_) plan->convs.emplace_back(engine_, spec, image);
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

  dnnl::memory allocate(Plan& plan, int channels, Extent extent) {
    dnnl::memory m(activation_desc(channels, extent), engine_);
    plan.buffer_bytes += bytes_of(m);
    return m;
  }

  void ensure_inference_buffers(Plan& plan) {
    if (plan.inference_ready) return;
    const int c = config_.width;
    plan.x0 = allocate(plan, 3, plan.image);
    plan.out3 = allocate(plan, 3, plan.image);
    for (auto& m : plan.full) m = allocate(plan, c, plan.image);
    for (auto& m : plan.half_buffers) m = allocate(plan, c, plan.half);
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
      plan.act[l] = allocate(plan, c, e);
    }
    plan.conv_out.back() = plan.train_out3;
    plan.mean.assign(layers_.size() * c, 0.0f);
    plan.inv_std.assign(layers_.size() * c, 0.0f);
    for (auto& m : plan.grad_full) m = allocate(plan, c, plan.image);
    for (auto& m : plan.grad_half) m = allocate(plan, c, plan.half);
    plan.grad3 = allocate(plan, 3, plan.image);
    plan.grad_x3 = allocate(plan, 3, plan.image);
    plan.training_ready = true;
  }

  void prepare_weights(Plan& plan) {
    if (plan.weights_version == version_) return;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const LayerSpec& spec = layers_[l];
      plan.convs[l].set_weights(stream_, params_.at(spec.weight_name()).data(),
                                params_.at(spec.bias_name()).data());
    }
    stream_.wait();
    plan.weights_version = version_;
  }

  void prepare_backward_weights(Plan& plan) {
    if (plan.backward_version == version_) return;
    for (std::size_t l = 0; l < layers_.size(); ++l)
      plan.convs[l].set_backward_weights(stream_, params_.at(layers_[l].weight_name()).data());
    stream_.wait();
    plan.backward_version = version_;
  }

  // Picks a buffer of `pool` that is none of `avoid`.
  template <std::size_t N>
  static dnnl::memory* pick(std::array<dnnl::memory, N>& pool,
                            std::initializer_list<const dnnl::memory*> avoid) {
    for (dnnl::memory& m : pool) {
      bool free = true;
      for (const dnnl::memory* a : avoid) free = free && a != &m;
      if (free) return &m;
    }
    fail("Network: internal error, no free buffer");
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
    } else {
      if (spec.role == LayerRole::output) {
        out = &plan.out3;
      } else if (conv.output_extent() == plan.image && conv.input_extent() == plan.image) {
        out = pick(plan.full, {in});
      } else if (conv.output_extent() == plan.image) {
        out = &plan.full[0];
      } else {
        out = pick(plan.half_buffers,
                   {in, spec.role == LayerRole::block_second ? block_input : nullptr});
      }
      act = out;  // BN in place
    }
    {
      const PhaseTimer t = timer("conv_forward");
      conv.forward(stream_, *in, *out);
      stream_.wait();
    }
    if (l == stop) return ActivationView{data_of(*out), conv.output_extent(), c};
    if (spec.batch_norm()) {
      const PhaseTimer t = timer("bn_forward");
      const std::size_t n = std::size_t(conv.output_extent().height) * conv.output_extent().width;
      float* mean = training ? &plan.mean[l * c] : mean_.data();
      float* inv_std = training ? &plan.inv_std[l * c] : inv_std_.data();
      if (fixed != nullptr) {
        std::copy_n((*fixed)[l].mean.data(), c, mean);
        std::copy_n((*fixed)[l].inv_std.data(), c, inv_std);
      } else {
        bn_statistics(data_of(*out), n, c, config_.batch_norm_epsilon, mean, inv_std);
      }
      const float* gamma = params_.at(spec.bn_weight_name()).data();
      for (int k = 0; k < c; ++k) scale_[k] = gamma[k] * inv_std[k];
      const float* skip = spec.role == LayerRole::block_second ? data_of(*block_input) : nullptr;
      bn_apply(data_of(*out), n, c, mean, scale_.data(), params_.at(spec.bn_bias_name()).data(),
               skip, spec.relu(), data_of(*act));
    }
    if (spec.role == LayerRole::block_first) block_input = in;
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
      if (spec.role == LayerRole::block_second) {
        // Keep the masked gradient in g: it flows to the block input as is.
        grad_conv = pick(plan.grad_half, {g});
        bn_backward(data_of(*g), data_of(plan.act[i]), data_of(plan.conv_out[i]), n, c, mean,
                    inv_std, gamma, data_of(*grad_conv), d_gamma, d_beta);
        skip_grad = g;
      } else {
        bn_backward(data_of(*g), data_of(plan.act[i]), data_of(plan.conv_out[i]), n, c, mean,
                    inv_std, gamma, data_of(*g), d_gamma, d_beta);
      }
      // The conv bias cancels in the normalisation.
      std::vector<float>& d_conv_bias = gradients.at(spec.bias_name()).values;
      std::fill(d_conv_bias.begin(), d_conv_bias.end(), 0.0f);
    }
    {
      const PhaseTimer t = timer("conv_backward_weights");
      const dnnl::memory& src = i == 0 ? plan.train_x0 : plan.act[i - 1];
      float* d_bias = conv.has_bias() ? gradients.at(spec.bias_name()).data() : nullptr;
      conv.backward_weights(stream_, src, *grad_conv, gradients.at(spec.weight_name()).data(),
                            d_bias);
      stream_.wait();
    }
    if (i == 0 && grad_input == nullptr) break;
    dnnl::memory* target;
    if (spec.role == LayerRole::block_first) {
      target = skip_grad;  // backward data adds to it (sum post-op)
      skip_grad = nullptr;
    } else if (i == 0) {
      target = &plan.grad_x3;
    } else if (conv.input_extent() == plan.image) {
      target = pick(plan.grad_full, {grad_conv});
    } else {
      target = pick(plan.grad_half, {grad_conv, skip_grad});
    }
    {
      const PhaseTimer t = timer("conv_backward_data");
      conv.backward_data(stream_, *grad_conv, *target);
      stream_.wait();
    }
    g = target;
  }
  stream_.wait();
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

std::unique_ptr<Network> make_onednn_network(const NetworkConfig& config, const Parameters& params,
                                             const EngineOptions& options) {
  return std::make_unique<OnednnNetwork>(config, params, options);
}

std::string onednn_implementations(Network& network, Extent image) {
  auto* onednn = dynamic_cast<OnednnNetwork*>(&network);
  require(onednn != nullptr, "onednn_implementations: not a oneDNN network");
  return onednn->implementations(image);
}

}  // namespace ismooth::network::detail
