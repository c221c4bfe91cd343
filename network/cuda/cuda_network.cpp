// The CUDA engine: the network of describe_layers() on cuDNN 9 (legacy
// convolution API) plus our kernels (cuda_kernels.hpp) for per-image BN, the
// edges and layout changes. Design notes: docs/network.md, "CUDA engine".
//
// Layout: activations NHWC (batch 1) throughout, fp32 for training and
// fp32/tf32 inference, fp16/bf16 for reduced-precision inference (the 3
// colour channels then padded to 8 for the tensor cores); filters KRSC
// (cuDNN's NHWC filter format), reordered on the device at set_parameters.
//
// The 4×4 stride-2 transposed convolution is cuDNN's backward-data of the
// stride-2 convolution it transposes (filter (C_in, C_out, 4, 4) as PyTorch
// stores it = that convolution's (K, C, R, S)), written into a 2⌈H/2⌉ ×
// 2⌈W/2⌉ buffer and cropped to H × W when H or W is odd (cuDNN has no
// asymmetric padding; network_description.hpp's rule). Its backward-data is
// the forward convolution of the zero-padded gradient, its backward-filter
// the convolution's backward-filter with the roles of x and dy swapped.
//
// Per input size a Plan holds descriptors, the algorithms cuDNN chose
// (cudnnFind* timing or heuristics) and buffers; least recently used plans
// are dropped beyond EngineOptions::max_cached_sizes. One workspace serves
// every plan (grown to the largest need).
#include "cuda/cuda_network.hpp"

#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <algorithm>
#include <chrono>
#include <list>
#include <map>
#include <sstream>
#include <unordered_map>

#include "cuda/cuda_common.hpp"
#include "cuda/cuda_kernels.hpp"
#include "cuda/cuda_train_pass.hpp"
#include "ismooth/network/training_loss.hpp"

namespace ismooth::network::cuda {

namespace {

constexpr float kInputOffset = -115.0f;   // x = 255·I − 115 (docs/spec/network.md)
constexpr int kPaddedColourChannels = 8;  // reduced precision: 3 → 8 channels
constexpr std::size_t kMaxWorkspace = std::size_t(2) << 30;  // per convolution

void check_cudnn(cudnnStatus_t status, const char* what) {
  if (status != CUDNN_STATUS_SUCCESS)
    fail("CUDA engine: ", what, ": cuDNN error ", int(status), " (", cudnnGetErrorString(status),
         ")");
}

// RAII handles of the cuDNN descriptors.
struct TensorDesc {
  cudnnTensorDescriptor_t d = nullptr;
  TensorDesc() { check_cudnn(cudnnCreateTensorDescriptor(&d), "cudnnCreateTensorDescriptor"); }
  ~TensorDesc() { cudnnDestroyTensorDescriptor(d); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
};
struct FilterDesc {
  cudnnFilterDescriptor_t d = nullptr;
  FilterDesc() { check_cudnn(cudnnCreateFilterDescriptor(&d), "cudnnCreateFilterDescriptor"); }
  ~FilterDesc() { cudnnDestroyFilterDescriptor(d); }
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
};
struct ConvDesc {
  cudnnConvolutionDescriptor_t d = nullptr;
  ConvDesc() {
    check_cudnn(cudnnCreateConvolutionDescriptor(&d), "cudnnCreateConvolutionDescriptor");
  }
  ~ConvDesc() { cudnnDestroyConvolutionDescriptor(d); }
  ConvDesc(const ConvDesc&) = delete;
  ConvDesc& operator=(const ConvDesc&) = delete;
};

cudnnDataType_t cudnn_type(DType t) {
  switch (t) {
    case DType::f16:
      return CUDNN_DATA_HALF;
    case DType::bf16:
      return CUDNN_DATA_BFLOAT16;
    default:
      return CUDNN_DATA_FLOAT;
  }
}

// One convolution at one size and data type: the *underlying* convolution
// x → y (for the transposed layer: the full-resolution side is x, the half
// one y), its filter and the algorithms chosen for each direction.
struct ConvOps {
  TensorDesc x, y;
  FilterDesc w;
  ConvDesc conv;
  int x_channels = 0, y_channels = 0;
  bool fwd_ready = false, bwd_data_ready = false, bwd_filter_ready = false;
  cudnnConvolutionFwdAlgo_t fwd{};
  cudnnConvolutionBwdDataAlgo_t bwd_data{};
  cudnnConvolutionBwdFilterAlgo_t bwd_filter{};
  cudnnMathType_t fwd_math{}, bwd_data_math{}, bwd_filter_math{};
  std::size_t fwd_ws = 0, bwd_data_ws = 0, bwd_filter_ws = 0;
};

struct Plan {
  Extent image, half, padded;  // padded: 2⌈H/2⌉ × 2⌈W/2⌉ (transposed-conv output)
  bool crop = false;
  std::vector<std::unique_ptr<ConvOps>> ops_train;  // fp32 (fp32 or tf32 math)
  std::vector<std::unique_ptr<ConvOps>> ops_infer;  // inference precision
  std::size_t bytes = 0;

  // Inference (activation type of the inference precision).
  bool inference_ready = false;
  DeviceBuffer planar_in, planar_out;  // fp32 (3, H, W)
  DeviceBuffer x0, out3, pad;
  std::array<DeviceBuffer, 2> full;
  std::array<DeviceBuffer, 3> halves;
  DeviceBuffer mean, inv_std;

  // Training (fp32).
  bool training_ready = false, has_forward_state = false;
  DeviceBuffer t_x0, t_out3, t_pad;
  std::vector<DeviceBuffer> conv_out, act;
  DeviceBuffer t_mean, t_inv_std;  // per layer
  std::array<DeviceBuffer, 2> grad_full;
  std::array<DeviceBuffer, 3> grad_half;
  DeviceBuffer grad3, grad_x3, grad_pad, grad_planar, grad_in_planar;

  DeviceBuffer scratch, coef;  // reductions (doubles), BN backward coefficients
};

// Adds the wall time of its scope to (*sink)[name], synchronising the stream
// at both ends; nothing when sink is null (timings off).
class PhaseTimer {
 public:
  PhaseTimer(std::map<std::string, double>* sink, const char* name, cudaStream_t stream)
      : sink_(sink), name_(name), stream_(stream) {
    if (sink_ != nullptr) {
      cudaStreamSynchronize(stream_);
      start_ = std::chrono::steady_clock::now();
    }
  }
  ~PhaseTimer() {
    if (sink_ != nullptr) {
      cudaStreamSynchronize(stream_);
      (*sink_)[name_] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  std::map<std::string, double>* sink_;
  const char* name_;
  cudaStream_t stream_;
  std::chrono::steady_clock::time_point start_;
};

// Where a layer's tensors live in the flat device copy of the Parameters.
struct LayerOffsets {
  std::size_t weight = 0, bias = 0, bn_weight = 0, bn_bias = 0;
  std::size_t filter = 0;  // in the KRSC filter buffers (elements)
  std::size_t filter_size = 0;
};

class CudaNetwork final : public DeviceNetwork {
 public:
  CudaNetwork(const NetworkConfig& config, const Parameters& params, const EngineOptions& options)
      : config_((config.validate("make_network"), config)),
        layers_(describe_layers(config)),
        options_(options) {
    const std::string problem = cuda_engine_problem();
    if (!problem.empty()) fail("make_network: the CUDA engine cannot run: ", problem);
    check_cuda(cudaSetDevice(options.cuda_device), "cudaSetDevice");
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    const cudnnStatus_t status = cudnnCreate(&cudnn_);
    if (status != CUDNN_STATUS_SUCCESS) {
      cudaStreamDestroy(stream_);
      fail("make_network: cannot create a cuDNN handle: ", cudnnGetErrorString(status));
    }
    check_cudnn(cudnnSetStream(cudnn_, stream_), "cudnnSetStream");
    infer_type_ = options.precision == Precision::bf16   ? DType::bf16
                  : options.precision == Precision::fp16 ? DType::f16
                                                         : DType::f32;
    layout_offsets(params);
    set_parameters(params);
  }

  ~CudaNetwork() override {
    train_pass_.reset();  // its buffers and energies use the stream
    plans_.clear();
    cudnnDestroy(cudnn_);
    cudaStreamDestroy(stream_);
  }

  const NetworkConfig& config() const override { return config_; }
  EngineKind kind() const override { return EngineKind::cuda; }

  std::string engine_info() const override {
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, options_.cuda_device);
    int runtime = 0;
    cudaRuntimeGetVersion(&runtime);
    const std::size_t v = cudnnGetVersion();
    std::ostringstream s;
    s << "cuDNN " << v / 10000 << "." << (v % 10000) / 100 << "." << v % 100 << ", CUDA "
      << runtime / 1000 << "." << (runtime % 1000) / 10 << ", " << prop.name << " (sm_"
      << prop.major << prop.minor << "), inference " << to_string(options_.precision)
      << ", training " << (train_tf32() ? "tf32" : "fp32") << ", nhwc";
    return s.str();
  }

  void set_parameters(const Parameters& params) override;
  const Parameters& parameters() const override { return params_; }

  void infer(const Image<float>& input, Image<float>& output) override;
  void forward(const Image<float>& input, Image<float>& output) override;
  void backward(const Image<float>& grad_output, Parameters& gradients,
                Image<float>* grad_input) override;

  void* stream_handle() const override { return stream_; }
  /// The paper's energy runs on the device (DeviceTrainPass); other losses
  /// take the host path of Network::train_pass.
  EnergyTerms train_pass(const TrainingLoss& loss, Parameters& gradients, bool* finite) override {
    const SmoothingEnergy<float>* descend = loss.paper_energy();
    if (descend == nullptr) return Network::train_pass(loss, gradients, finite);
    if (!train_pass_) train_pass_ = std::make_unique<DeviceTrainPass>(*this);
    return train_pass_->run(*descend, *loss.reported_energy(), gradients, finite);
  }
  void forward_device(const float* input, Extent image, float* output) override;
  void infer_device(const float* input, Extent image, float* output) override {
    require(image.height > 0 && image.width > 0, "Network::infer: empty image");
    Plan& plan = plan_for(image);
    ensure_inference(plan);
    run_forward(plan, input, output, false);
  }
  void backward_device(const float* grad_output, Extent image, Parameters& gradients,
                       float* grad_input) override;

  std::size_t workspace_bytes() const override {
    std::size_t total = params_dev_.bytes() + grads_dev_.bytes() + filters32_.bytes() +
                        filters_lp_.bytes() + dw_.bytes() + workspace_.bytes();
    for (const auto& plan : plans_) total += plan->bytes;
    return total;
  }

  void clear_cache() override { plans_.clear(); }
  std::map<std::string, double> timings() const override { return timings_; }
  void reset_timings() override { timings_.clear(); }

 private:
  bool train_tf32() const { return options_.precision != Precision::fp32; }
  bool reduced() const { return infer_type_ != DType::f32; }
  PhaseTimer timer(const char* name) {
    return PhaseTimer(options_.collect_timings ? &timings_ : nullptr, name, stream_);
  }

  void layout_offsets(const Parameters& params);
  Plan& plan_for(Extent image);
  void build_ops(Plan& plan, bool training);
  void ensure_fwd(ConvOps& op, bool tf32_or_half);
  void ensure_bwd_data(ConvOps& op);
  void ensure_bwd_filter(ConvOps& op);
  void grow_workspace(std::size_t bytes);
  template <class Perf, class Algo>
  void adopt_algorithm(const Perf* perf, int count, bool tensor_cores, const char* what, Algo& algo,
                       cudnnMathType_t& math, std::size_t& workspace, bool& ready);
  void ensure_inference(Plan& plan);
  void ensure_training(Plan& plan);
  void prepare_reduced_filters();
  DeviceBuffer& alloc(Plan& plan, DeviceBuffer& b, std::size_t bytes) {
    b.resize(bytes);
    plan.bytes += bytes;
    return b;
  }

  // Runs layer l forward: `in` → `out` (conv output before BN).
  void conv_forward(Plan& plan, ConvOps& op, std::size_t l, const void* filters, DType type,
                    const void* in, void* out, void* pad);
  void run_forward(Plan& plan, const float* input_planar, float* output_planar, bool training);
  float* layer_filter32(std::size_t l) { return filters32_.as<float>() + offsets_[l].filter; }
  const float* param_ptr(std::size_t offset) const { return params_dev_.as<float>() + offset; }

  NetworkConfig config_;
  std::vector<LayerSpec> layers_;
  EngineOptions options_;
  DType infer_type_ = DType::f32;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;

  Parameters params_;
  std::uint64_t version_ = 0, lp_version_ = 0;
  std::vector<LayerOffsets> offsets_;
  std::size_t total_filter_ = 0;
  DeviceBuffer params_dev_, grads_dev_, filters32_, filters_lp_, dw_, workspace_;
  std::vector<float> grads_host_;
  std::list<std::unique_ptr<Plan>> plans_;
  std::map<std::string, double> timings_;
  std::unique_ptr<DeviceTrainPass> train_pass_;  // made by the first train_pass
};

void CudaNetwork::layout_offsets(const Parameters& params) {
  std::unordered_map<std::string, std::size_t> at;
  std::size_t offset = 0;
  for (const NamedTensor& t : params) {
    at[t.name] = offset;
    offset += t.size();
  }
  offsets_.resize(layers_.size());
  std::size_t filter = 0;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& spec = layers_[l];
    LayerOffsets& o = offsets_[l];
    o.weight = at.at(spec.weight_name());
    o.bias = at.at(spec.bias_name());
    if (spec.batch_norm()) {
      o.bn_weight = at.at(spec.bn_weight_name());
      o.bn_bias = at.at(spec.bn_bias_name());
    }
    // Room for the padded colour channels of the reduced-precision path.
    const int a = std::max(spec.out_channels, kPaddedColourChannels);
    const int b = std::max(spec.in_channels, kPaddedColourChannels);
    o.filter = filter;
    o.filter_size = std::size_t(a) * b * spec.kernel * spec.kernel;
    filter += o.filter_size;
  }
  total_filter_ = filter;
  params_dev_.resize(offset * sizeof(float));
  grads_dev_.resize(offset * sizeof(float));
  grads_host_.resize(offset);
  filters32_.resize(total_filter_ * sizeof(float));
  std::size_t largest = 0;
  for (const LayerOffsets& o : offsets_) largest = std::max(largest, o.filter_size);
  dw_.resize(largest * sizeof(float));
}

// (A, B) of a layer's stored filter: (out, in) for a convolution, (in, out)
// for the transposed one — in both cases cuDNN's (K, C) of the underlying
// convolution.
std::pair<int, int> filter_ab(const LayerSpec& spec) {
  return spec.kind == LayerKind::transposed_convolution
             ? std::pair{spec.in_channels, spec.out_channels}
             : std::pair{spec.out_channels, spec.in_channels};
}

void CudaNetwork::set_parameters(const Parameters& params) {
  check_parameters(config_, params, "Network::set_parameters");
  params_ = params;
  ++version_;
  std::vector<float> flat;
  flat.reserve(params.num_values());
  for (const NamedTensor& t : params) flat.insert(flat.end(), t.values.begin(), t.values.end());
  check_cuda(cudaMemcpyAsync(params_dev_.get(), flat.data(), flat.size() * sizeof(float),
                             cudaMemcpyHostToDevice, stream_),
             "Network::set_parameters: upload");
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const auto [a, b] = filter_ab(layers_[l]);
    filter_to_krsc(param_ptr(offsets_[l].weight), a, b, layers_[l].kernel, a, b, layer_filter32(l),
                   DType::f32, stream_);
  }
  check_cuda(cudaGetLastError(), "Network::set_parameters: filter reorder");
  // `flat` dies here.
  check_cuda(cudaStreamSynchronize(stream_), "Network::set_parameters");
  for (auto& plan : plans_) plan->has_forward_state = false;
}

// Reduced-precision filters, colour channels padded to 8 (conv1's inputs,
// the output layer's outputs).
void CudaNetwork::prepare_reduced_filters() {
  if (lp_version_ == version_) return;
  filters_lp_.resize(total_filter_ * dtype_size(infer_type_));
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const auto [a, b] = filter_ab(layers_[l]);
    const int ap = a == 3 ? kPaddedColourChannels : a, bp = b == 3 ? kPaddedColourChannels : b;
    char* dst = filters_lp_.as<char>() + offsets_[l].filter * dtype_size(infer_type_);
    filter_to_krsc(param_ptr(offsets_[l].weight), a, b, layers_[l].kernel, ap, bp, dst, infer_type_,
                   stream_);
  }
  check_cuda(cudaGetLastError(), "CUDA engine: reduced-precision filters");
  lp_version_ = version_;
}

Plan& CudaNetwork::plan_for(Extent image) {
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    if ((*it)->image == image) {
      plans_.splice(plans_.begin(), plans_, it);
      return *plans_.front();
    }
  }
  auto plan = std::make_unique<Plan>();
  plan->image = image;
  plan->half = half_extent(image);
  plan->padded = {2 * plan->half.height, 2 * plan->half.width};
  plan->crop = !(plan->padded == image);
  plans_.push_front(std::move(plan));
  while (plans_.size() > std::size_t(options_.max_cached_sizes)) plans_.pop_back();
  return *plans_.front();
}

// Descriptors for every layer in the training (fp32) or inference type.
void CudaNetwork::build_ops(Plan& plan, bool training) {
  auto& ops = training ? plan.ops_train : plan.ops_infer;
  if (!ops.empty()) return;
  const DType type = training ? DType::f32 : infer_type_;
  const bool pad_colour = !training && reduced();
  for (const LayerSpec& spec : layers_) {
    auto op = std::make_unique<ConvOps>();
    const bool deconv = spec.kind == LayerKind::transposed_convolution;
    const Extent in = spec.input_extent(plan.image), out = spec.output_extent(plan.image);
    // Underlying convolution x → y.
    const Extent xe = deconv ? plan.padded : in, ye = deconv ? in : out;
    int xc = deconv ? spec.out_channels : spec.in_channels;
    int yc = deconv ? spec.in_channels : spec.out_channels;
    if (pad_colour && xc == 3) xc = kPaddedColourChannels;
    if (pad_colour && yc == 3) yc = kPaddedColourChannels;
    op->x_channels = xc;
    op->y_channels = yc;
    const cudnnDataType_t dt = cudnn_type(type);
    check_cudnn(
        cudnnSetTensor4dDescriptor(op->x.d, CUDNN_TENSOR_NHWC, dt, 1, xc, xe.height, xe.width),
        "cudnnSetTensor4dDescriptor");
    check_cudnn(
        cudnnSetTensor4dDescriptor(op->y.d, CUDNN_TENSOR_NHWC, dt, 1, yc, ye.height, ye.width),
        "cudnnSetTensor4dDescriptor");
    check_cudnn(cudnnSetFilter4dDescriptor(op->w.d, dt, CUDNN_TENSOR_NHWC, yc, xc, spec.kernel,
                                           spec.kernel),
                "cudnnSetFilter4dDescriptor");
    check_cudnn(cudnnSetConvolution2dDescriptor(op->conv.d, spec.padding, spec.padding, spec.stride,
                                                spec.stride, spec.dilation, spec.dilation,
                                                CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor");
    int n = 0, c = 0, h = 0, w = 0;
    check_cudnn(cudnnGetConvolution2dForwardOutputDim(op->conv.d, op->x.d, op->w.d, &n, &c, &h, &w),
                "cudnnGetConvolution2dForwardOutputDim");
    require(c == yc && h == ye.height && w == ye.width, "CUDA engine: layer ", spec.number,
            " gives ", c, "x", h, "x", w, " but ", yc, "x", ye.height, "x", ye.width,
            " was expected (internal error)");
    ops.push_back(std::move(op));
  }
  (void)plan;
}

void CudaNetwork::grow_workspace(std::size_t bytes) {
  if (bytes > workspace_.bytes()) {
    check_cuda(cudaStreamSynchronize(stream_), "CUDA engine: workspace");
    workspace_.resize(bytes);
  }
}

// The math types a convolution may use: strict fp32 → no tensor-op results
// (and the call then runs with CUDNN_FMA_MATH, see math_for).
bool math_allowed(cudnnMathType_t math, bool tensor_cores) {
  return tensor_cores || math == CUDNN_FMA_MATH || math == CUDNN_DEFAULT_MATH;
}

// CUDNN_DEFAULT_MATH permits TF32 on A100 and later, so strict fp32 runs
// every call with CUDNN_FMA_MATH.
cudnnMathType_t math_for(cudnnMathType_t chosen, bool tensor_cores) {
  return tensor_cores ? chosen : CUDNN_FMA_MATH;
}

// Picks the fastest successful result allowed by the math policy.
template <class Perf>
const Perf* choose(const Perf* perf, int count, bool tensor_cores) {
  for (int i = 0; i < count; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= kMaxWorkspace &&
        math_allowed(perf[i].mathType, tensor_cores))
      return &perf[i];
  return nullptr;
}

// The math type cuDNN's algorithm search (and later the calls) may use.
void set_search_math(ConvOps& op, bool tensor_cores) {
  check_cudnn(
      cudnnSetConvolutionMathType(op.conv.d, tensor_cores ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH),
      "cudnnSetConvolutionMathType");
}

// Records the fastest allowed algorithm of a cuDNN search in (algo, math,
// workspace) and grows the shared workspace to fit it.
template <class Perf, class Algo>
void CudaNetwork::adopt_algorithm(const Perf* perf, int count, bool tensor_cores, const char* what,
                                  Algo& algo, cudnnMathType_t& math, std::size_t& workspace,
                                  bool& ready) {
  const Perf* best = choose(perf, count, tensor_cores);
  require(best != nullptr, "CUDA engine: cuDNN has no ", what, " algorithm for a layer");
  algo = best->algo;
  math = math_for(best->mathType, tensor_cores);
  workspace = best->memory;
  grow_workspace(workspace);
  ready = true;
}

void CudaNetwork::ensure_fwd(ConvOps& op, bool tensor_cores) {
  if (op.fwd_ready) return;
  set_search_math(op, tensor_cores);
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int count = 0;
  if (options_.cuda_benchmark_algorithms)
    check_cudnn(
        cudnnFindConvolutionForwardAlgorithm(cudnn_, op.x.d, op.w.d, op.conv.d, op.y.d,
                                             CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf),
        "cudnnFindConvolutionForwardAlgorithm");
  else
    check_cudnn(
        cudnnGetConvolutionForwardAlgorithm_v7(cudnn_, op.x.d, op.w.d, op.conv.d, op.y.d,
                                               CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf),
        "cudnnGetConvolutionForwardAlgorithm_v7");
  adopt_algorithm(perf, count, tensor_cores, "forward", op.fwd, op.fwd_math, op.fwd_ws,
                  op.fwd_ready);
}

void CudaNetwork::ensure_bwd_data(ConvOps& op) {
  if (op.bwd_data_ready) return;
  const bool tensor_cores = train_tf32() || reduced();
  set_search_math(op, tensor_cores);
  cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int count = 0;
  if (options_.cuda_benchmark_algorithms)
    check_cudnn(cudnnFindConvolutionBackwardDataAlgorithm(cudnn_, op.w.d, op.y.d, op.conv.d, op.x.d,
                                                          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                          &count, perf),
                "cudnnFindConvolutionBackwardDataAlgorithm");
  else
    check_cudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(
                    cudnn_, op.w.d, op.y.d, op.conv.d, op.x.d,
                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf),
                "cudnnGetConvolutionBackwardDataAlgorithm_v7");
  adopt_algorithm(perf, count, tensor_cores, "backward-data", op.bwd_data, op.bwd_data_math,
                  op.bwd_data_ws, op.bwd_data_ready);
}

void CudaNetwork::ensure_bwd_filter(ConvOps& op) {
  if (op.bwd_filter_ready) return;
  const bool tensor_cores = train_tf32();
  set_search_math(op, tensor_cores);
  cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  int count = 0;
  if (options_.cuda_benchmark_algorithms)
    check_cudnn(cudnnFindConvolutionBackwardFilterAlgorithm(
                    cudnn_, op.x.d, op.y.d, op.conv.d, op.w.d,
                    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf),
                "cudnnFindConvolutionBackwardFilterAlgorithm");
  else
    check_cudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                    cudnn_, op.x.d, op.y.d, op.conv.d, op.w.d,
                    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf),
                "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
  adopt_algorithm(perf, count, tensor_cores, "backward-filter", op.bwd_filter, op.bwd_filter_math,
                  op.bwd_filter_ws, op.bwd_filter_ready);
}

void CudaNetwork::ensure_inference(Plan& plan) {
  if (plan.inference_ready) return;
  build_ops(plan, false);
  const bool tensor_cores = reduced() || options_.precision == Precision::tf32;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    ConvOps& op = *plan.ops_infer[l];
    if (layers_[l].kind == LayerKind::transposed_convolution)
      ensure_bwd_data(op);
    else
      ensure_fwd(op, tensor_cores);
  }
  const std::size_t es = dtype_size(infer_type_);
  const std::size_t full = std::size_t(plan.image.height) * plan.image.width;
  const std::size_t half = std::size_t(plan.half.height) * plan.half.width;
  const std::size_t padded = std::size_t(plan.padded.height) * plan.padded.width;
  const int c = config_.width;
  const int colour = reduced() ? kPaddedColourChannels : 3;
  alloc(plan, plan.planar_in, 3 * full * sizeof(float));
  alloc(plan, plan.planar_out, 3 * full * sizeof(float));
  alloc(plan, plan.x0, colour * full * es);
  alloc(plan, plan.out3, colour * full * es);
  if (plan.crop) alloc(plan, plan.pad, c * padded * es);
  for (auto& b : plan.full) alloc(plan, b, c * full * es);
  for (auto& b : plan.halves) alloc(plan, b, c * half * es);
  alloc(plan, plan.mean, c * sizeof(float));
  alloc(plan, plan.inv_std, c * sizeof(float));
  if (plan.scratch.bytes() < reduction_scratch_doubles(full, c) * sizeof(double))
    alloc(plan, plan.scratch, reduction_scratch_doubles(full, c) * sizeof(double));
  plan.inference_ready = true;
}

void CudaNetwork::ensure_training(Plan& plan) {
  if (plan.training_ready) return;
  build_ops(plan, true);
  const bool tc = train_tf32();
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    ConvOps& op = *plan.ops_train[l];
    ensure_fwd(op, tc);   // transposed conv: its backward data
    ensure_bwd_data(op);  // transposed conv: its forward
    ensure_bwd_filter(op);
  }
  const std::size_t full = std::size_t(plan.image.height) * plan.image.width;
  const std::size_t half = std::size_t(plan.half.height) * plan.half.width;
  const std::size_t padded = std::size_t(plan.padded.height) * plan.padded.width;
  const int c = config_.width;
  const std::size_t f = sizeof(float);
  if (!plan.planar_in) alloc(plan, plan.planar_in, 3 * full * f);
  if (!plan.planar_out) alloc(plan, plan.planar_out, 3 * full * f);
  alloc(plan, plan.t_x0, 3 * full * f);
  alloc(plan, plan.t_out3, 3 * full * f);
  if (plan.crop) {
    alloc(plan, plan.t_pad, c * padded * f);
    alloc(plan, plan.grad_pad, c * padded * f);
  }
  plan.conv_out.resize(layers_.size());
  plan.act.resize(layers_.size());
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) {
    const Extent e = layers_[l].output_extent(plan.image);
    const std::size_t bytes = std::size_t(c) * e.height * e.width * f;
    alloc(plan, plan.conv_out[l], bytes);
    alloc(plan, plan.act[l], bytes);
  }
  alloc(plan, plan.t_mean, layers_.size() * c * f);
  alloc(plan, plan.t_inv_std, layers_.size() * c * f);
  for (auto& b : plan.grad_full) alloc(plan, b, c * full * f);
  for (auto& b : plan.grad_half) alloc(plan, b, c * half * f);
  alloc(plan, plan.grad3, 3 * full * f);
  alloc(plan, plan.grad_x3, 3 * full * f);
  alloc(plan, plan.grad_planar, 3 * full * f);
  alloc(plan, plan.grad_in_planar, 3 * full * f);
  if (plan.scratch.bytes() < reduction_scratch_doubles(full, c) * sizeof(double))
    alloc(plan, plan.scratch, reduction_scratch_doubles(full, c) * sizeof(double));
  alloc(plan, plan.coef, 3 * std::size_t(c) * f);
  plan.training_ready = true;
}

void CudaNetwork::conv_forward(Plan& plan, ConvOps& op, std::size_t l, const void* filters,
                               DType type, const void* in, void* out, void* pad) {
  const float one = 1.0f, zero = 0.0f;
  const LayerSpec& spec = layers_[l];
  if (spec.kind == LayerKind::transposed_convolution) {
    void* target = plan.crop ? pad : out;
    check_cudnn(cudnnSetConvolutionMathType(op.conv.d, op.bwd_data_math), "math type");
    check_cudnn(cudnnConvolutionBackwardData(cudnn_, &one, op.w.d, filters, op.y.d, in, op.conv.d,
                                             op.bwd_data, workspace_.get(), op.bwd_data_ws, &zero,
                                             op.x.d, target),
                "transposed convolution (backward data)");
    if (plan.crop)
      crop_nhwc(pad, plan.padded.height, plan.padded.width, out, plan.image.height,
                plan.image.width, spec.out_channels, type, stream_);
  } else {
    check_cudnn(cudnnSetConvolutionMathType(op.conv.d, op.fwd_math), "math type");
    check_cudnn(cudnnConvolutionForward(cudnn_, &one, op.x.d, in, op.w.d, filters, op.conv.d,
                                        op.fwd, workspace_.get(), op.fwd_ws, &zero, op.y.d, out),
                "convolution forward");
  }
}

void CudaNetwork::run_forward(Plan& plan, const float* input_planar, float* output_planar,
                              bool training) {
  const DType type = training ? DType::f32 : infer_type_;
  const int c = config_.width;
  const std::size_t pixels = std::size_t(plan.image.height) * plan.image.width;
  const int colour = (!training && reduced()) ? kPaddedColourChannels : 3;
  auto& ops = training ? plan.ops_train : plan.ops_infer;
  if (!training && reduced()) prepare_reduced_filters();
  void* x0 = training ? plan.t_x0.get() : plan.x0.get();
  {
    const PhaseTimer t = timer("edges");
    planar_to_nhwc(input_planar, pixels, 3, colour, kInputOffset, x0, type, stream_);
  }
  const void* in = x0;
  const void* block_input = nullptr;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& spec = layers_[l];
    const Extent oe = spec.output_extent(plan.image), ie = spec.input_extent(plan.image);
    void* out;
    void* act;
    if (training) {
      out = spec.role == LayerRole::output ? plan.t_out3.get() : plan.conv_out[l].get();
      act = spec.batch_norm() ? plan.act[l].get() : out;
    } else {
      // The oneDNN engine's rotation: two full-resolution, three half buffers.
      auto pick = [&](auto& pool, std::initializer_list<const void*> avoid) -> void* {
        for (auto& b : pool) {
          bool free = true;
          for (const void* a : avoid) free = free && a != b.get();
          if (free) return b.get();
        }
        fail("CUDA engine: internal error, no free buffer");
      };
      if (spec.role == LayerRole::output)
        out = plan.out3.get();
      else if (oe == plan.image && ie == plan.image)
        out = pick(plan.full, {in});
      else if (oe == plan.image)
        out = plan.full[0].get();
      else
        out = pick(plan.halves, {in, spec.role == LayerRole::block_second ? block_input : nullptr});
      act = out;  // BN in place
    }
    const void* filters = training || !reduced()
                              ? static_cast<const void*>(layer_filter32(l))
                              : static_cast<const void*>(filters_lp_.as<char>() +
                                                         offsets_[l].filter * dtype_size(type));
    {
      const PhaseTimer t = timer("conv_forward");
      conv_forward(plan, *ops[l], l, filters, type, in, out,
                   training ? plan.t_pad.get() : plan.pad.get());
    }
    if (spec.batch_norm()) {
      const PhaseTimer t = timer("bn_forward");
      const std::size_t n = std::size_t(oe.height) * oe.width;
      float* mean = training ? plan.t_mean.as<float>() + l * c : plan.mean.as<float>();
      float* inv_std = training ? plan.t_inv_std.as<float>() + l * c : plan.inv_std.as<float>();
      bn_statistics(out, type, n, c, config_.batch_norm_epsilon, plan.scratch.as<double>(), mean,
                    inv_std, stream_);
      const void* skip = spec.role == LayerRole::block_second ? block_input : nullptr;
      bn_apply(out, type, n, c, mean, inv_std, param_ptr(offsets_[l].bn_weight),
               param_ptr(offsets_[l].bn_bias), skip, spec.relu(), act, stream_);
    }
    if (spec.role == LayerRole::block_first) block_input = in;
    in = act;
  }
  const PhaseTimer t = timer("edges");
  nhwc_to_planar(in, type, pixels, 3, colour, param_ptr(offsets_.back().bias),
                 config_.residual_image ? input_planar : nullptr, output_planar, stream_);
  check_cuda(cudaGetLastError(), "CUDA engine: forward kernels");
}

void CudaNetwork::infer(const Image<float>& input, Image<float>& output) {
  check_image(input, "Network::infer");
  Plan& plan = plan_for(Extent{int(height(input)), int(width(input))});
  ensure_inference(plan);
  const std::size_t bytes = input.size() * sizeof(float);
  check_cuda(
      cudaMemcpyAsync(plan.planar_in.get(), input.data(), bytes, cudaMemcpyHostToDevice, stream_),
      "Network::infer: upload");
  run_forward(plan, plan.planar_in.as<float>(), plan.planar_out.as<float>(), false);
  output.resize(input.shape());
  check_cuda(
      cudaMemcpyAsync(output.data(), plan.planar_out.get(), bytes, cudaMemcpyDeviceToHost, stream_),
      "Network::infer: download");
  check_cuda(cudaStreamSynchronize(stream_), "Network::infer");
}

void CudaNetwork::forward_device(const float* input, Extent image, float* output) {
  require(image.height > 0 && image.width > 0, "Network::forward: empty image");
  Plan& plan = plan_for(image);
  ensure_training(plan);
  plan.has_forward_state = false;
  run_forward(plan, input, output, true);
  plan.has_forward_state = true;
}

void CudaNetwork::forward(const Image<float>& input, Image<float>& output) {
  check_image(input, "Network::forward");
  const Extent image{int(height(input)), int(width(input))};
  Plan& plan = plan_for(image);
  ensure_training(plan);
  const std::size_t bytes = input.size() * sizeof(float);
  check_cuda(
      cudaMemcpyAsync(plan.planar_in.get(), input.data(), bytes, cudaMemcpyHostToDevice, stream_),
      "Network::forward: upload");
  forward_device(plan.planar_in.as<float>(), image, plan.planar_out.as<float>());
  output.resize(input.shape());
  check_cuda(
      cudaMemcpyAsync(output.data(), plan.planar_out.get(), bytes, cudaMemcpyDeviceToHost, stream_),
      "Network::forward: download");
  check_cuda(cudaStreamSynchronize(stream_), "Network::forward");
}

void CudaNetwork::backward_device(const float* grad_output, Extent image, Parameters& gradients,
                                  float* grad_input) {
  Plan* found = nullptr;
  for (auto& plan : plans_)
    if (plan->image == image && plan->has_forward_state) found = plan.get();
  if (found == nullptr)
    fail("Network::backward: no forward() at ", image.width, "x", image.height,
         " since the last set_parameters(); call forward() first");
  Plan& plan = *found;
  if (!gradients.same_layout(params_)) gradients = make_parameters(config_);
  const int c = config_.width;
  const std::size_t pixels = std::size_t(image.height) * image.width;
  const float one = 1.0f, zero = 0.0f;
  float* grads = grads_dev_.as<float>();
  {
    const PhaseTimer t = timer("edges");
    planar_to_nhwc(grad_output, pixels, 3, 3, 0.0f, plan.grad3.get(), DType::f32, stream_);
  }
  auto pick = [&](auto& pool, std::initializer_list<const void*> avoid) -> float* {
    for (auto& b : pool) {
      bool free = true;
      for (const void* a : avoid) free = free && a != b.get();
      if (free) return b.template as<float>();
    }
    fail("CUDA engine: internal error, no free gradient buffer");
  };

  float* g = plan.grad3.as<float>();
  float* skip_grad = nullptr;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const LayerSpec& spec = layers_[i];
    ConvOps& op = *plan.ops_train[i];
    const LayerOffsets& o = offsets_[i];
    const Extent oe = spec.output_extent(image), ie = spec.input_extent(image);
    const std::size_t n = std::size_t(oe.height) * oe.width;
    float* grad_conv = g;
    if (spec.batch_norm()) {
      const PhaseTimer t = timer("bn_backward");
      const float* mean = plan.t_mean.as<float>() + i * c;
      const float* inv_std = plan.t_inv_std.as<float>() + i * c;
      const float* act = plan.act[i].as<float>();
      const float* x = plan.conv_out[i].as<float>();
      if (spec.role == LayerRole::block_second) {
        grad_conv = pick(plan.grad_half, {g});
        bn_backward(g, act, x, n, c, mean, inv_std, param_ptr(o.bn_weight), grad_conv,
                    grads + o.bn_weight, grads + o.bn_bias, plan.scratch.as<double>(),
                    plan.coef.as<float>(), stream_);
        skip_grad = g;
      } else {
        bn_backward(g, act, x, n, c, mean, inv_std, param_ptr(o.bn_weight), g, grads + o.bn_weight,
                    grads + o.bn_bias, plan.scratch.as<double>(), plan.coef.as<float>(), stream_);
      }
      // The conv bias cancels in the normalisation.
      check_cuda(cudaMemsetAsync(grads + o.bias, 0, spec.out_channels * sizeof(float), stream_),
                 "Network::backward: bias gradient");
    } else {
      channel_sums(grad_conv, n, spec.out_channels, plan.scratch.as<double>(), grads + o.bias,
                   stream_);
    }
    const bool deconv = spec.kind == LayerKind::transposed_convolution;
    // The transposed layer's full-resolution gradient, zero-padded to the
    // underlying convolution's input size when the image is odd.
    const float* grad_full_side = grad_conv;
    if (deconv && plan.crop) {
      pad_nhwc(grad_conv, image.height, image.width, plan.grad_pad.as<float>(), plan.padded.height,
               plan.padded.width, c, stream_);
      grad_full_side = plan.grad_pad.as<float>();
    }
    {
      const PhaseTimer t = timer("conv_backward_weights");
      const void* src = i == 0 ? plan.t_x0.get() : plan.act[i - 1].get();
      const void* x = deconv ? static_cast<const void*>(grad_full_side) : src;
      const void* dy = deconv ? src : static_cast<const void*>(grad_conv);
      check_cudnn(cudnnSetConvolutionMathType(op.conv.d, op.bwd_filter_math), "math type");
      check_cudnn(cudnnConvolutionBackwardFilter(cudnn_, &one, op.x.d, x, op.y.d, dy, op.conv.d,
                                                 op.bwd_filter, workspace_.get(), op.bwd_filter_ws,
                                                 &zero, op.w.d, dw_.get()),
                  "convolution backward filter");
      const auto [a, b] = filter_ab(spec);
      filter_from_krsc(dw_.as<float>(), a, b, spec.kernel, grads + o.weight, stream_);
    }
    if (i == 0 && grad_input == nullptr) break;
    float* target;
    float beta = 0.0f;
    if (spec.role == LayerRole::block_first) {
      target = skip_grad;  // backward data adds to it
      beta = 1.0f;
      skip_grad = nullptr;
    } else if (i == 0) {
      target = plan.grad_x3.as<float>();
    } else if (ie == image) {
      target = pick(plan.grad_full, {grad_conv});
    } else {
      target = pick(plan.grad_half, {grad_conv, skip_grad});
    }
    {
      const PhaseTimer t = timer("conv_backward_data");
      if (deconv) {
        check_cudnn(cudnnSetConvolutionMathType(op.conv.d, op.fwd_math), "math type");
        check_cudnn(cudnnConvolutionForward(cudnn_, &one, op.x.d, grad_full_side, op.w.d,
                                            layer_filter32(i), op.conv.d, op.fwd, workspace_.get(),
                                            op.fwd_ws, &beta, op.y.d, target),
                    "transposed convolution backward data (forward)");
      } else {
        check_cudnn(cudnnSetConvolutionMathType(op.conv.d, op.bwd_data_math), "math type");
        check_cudnn(cudnnConvolutionBackwardData(
                        cudnn_, &one, op.w.d, layer_filter32(i), op.y.d, grad_conv, op.conv.d,
                        op.bwd_data, workspace_.get(), op.bwd_data_ws, &beta, op.x.d, target),
                    "convolution backward data");
      }
    }
    g = target;
  }
  if (grad_input != nullptr) {
    const PhaseTimer t = timer("edges");
    // x = I255 − 115, so dL/dI255 = dL/dx (+ dL/dT through the skip).
    nhwc_to_planar(plan.grad_x3.get(), DType::f32, pixels, 3, 3, nullptr,
                   config_.residual_image ? grad_output : nullptr, grad_input, stream_);
  }
  check_cuda(cudaGetLastError(), "CUDA engine: backward kernels");
  check_cuda(cudaMemcpyAsync(grads_host_.data(), grads, grads_host_.size() * sizeof(float),
                             cudaMemcpyDeviceToHost, stream_),
             "Network::backward: gradients");
  check_cuda(cudaStreamSynchronize(stream_), "Network::backward");
  std::size_t offset = 0;
  for (NamedTensor& t : gradients) {
    std::copy(grads_host_.begin() + std::ptrdiff_t(offset),
              grads_host_.begin() + std::ptrdiff_t(offset + t.size()), t.values.begin());
    offset += t.size();
  }
}

void CudaNetwork::backward(const Image<float>& grad_output, Parameters& gradients,
                           Image<float>* grad_input) {
  check_image(grad_output, "Network::backward: grad_output");
  const Extent image{int(height(grad_output)), int(width(grad_output))};
  Plan* found = nullptr;
  for (auto& plan : plans_)
    if (plan->image == image && plan->has_forward_state) found = plan.get();
  if (found == nullptr)
    fail("Network::backward: no forward() at ", image.width, "x", image.height,
         " since the last set_parameters(); call forward() first");
  const std::size_t bytes = grad_output.size() * sizeof(float);
  check_cuda(cudaMemcpyAsync(found->grad_planar.get(), grad_output.data(), bytes,
                             cudaMemcpyHostToDevice, stream_),
             "Network::backward: upload");
  backward_device(found->grad_planar.as<float>(), image, gradients,
                  grad_input != nullptr ? found->grad_in_planar.as<float>() : nullptr);
  if (grad_input != nullptr) {
    grad_input->resize(grad_output.shape());
    check_cuda(
        cudaMemcpy(grad_input->data(), found->grad_in_planar.get(), bytes, cudaMemcpyDeviceToHost),
        "Network::backward: download");
  }
}

}  // namespace

std::string cuda_engine_problem() { return cuda_device_problem(); }

std::unique_ptr<DeviceNetwork> make_cuda_network(const NetworkConfig& config,
                                                 const Parameters& params,
                                                 const EngineOptions& options) {
  return std::make_unique<CudaNetwork>(config, params, options);
}

}  // namespace ismooth::network::cuda
