#pragma once
/// \file
/// The smoothing network behind an engine chosen at run time (oneDNN on the
/// CPU; cuDNN on an NVIDIA GPU when built with CUDA) with one interface,
/// description and model file.
///
/// Units and shapes: images are `Image<float>` (image.hpp), planar (3, H, W)
/// on the **0–255 scale**. The network sees x = I255 − 115 and returns
/// T255 = conv_L(...) + I255 (residual image learning; without the skip when
/// NetworkConfig::residual_image is off). Any H, W ≥ 1 works, odd included
/// (network_description.hpp documents the crop). Batch size is 1.
///
/// Engines keep primitives and buffers per input size (a few sizes, least
/// recently used dropped), so repeated calls at one size allocate nothing.
/// A Network is not thread-safe: use one per thread.
///
/// Training use (training_loss.hpp):
///     net->train_pass(loss, grads, &finite);   // forward, dL/dT, backward
///     adam.step(params, grads); net->set_parameters(params);
/// which by default is
///     net->forward(loss.input(), t);           // keeps what backward needs
///     loss.evaluate(t, &dt);                   // dL/dT on the 0–255 scale
///     net->backward(dt, grads);                // dL/dθ for every parameter

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ismooth/image.hpp"
#include "ismooth/network/network_config.hpp"
#include "ismooth/network/network_description.hpp"
#include "ismooth/network/parameters.hpp"

namespace ismooth {
struct EnergyTerms;  // smoothing_energy.hpp
}  // namespace ismooth

namespace ismooth::network {

class TrainingLoss;  // training_loss.hpp

enum class EngineKind : std::uint8_t {
  onednn_cpu,  ///< oneDNN 2.6 on the CPU, fp32 or bf16, OpenMP threads (OMP_NUM_THREADS)
  cuda,        ///< cuDNN 9 + our kernels on an NVIDIA GPU (docs/network.md, "CUDA engine")
};

const char* to_string(EngineKind kind);

/// Arithmetic of the engine. The oneDNN engine runs fp32 or bf16.
enum class Precision : std::uint8_t {
  fp32,  ///< fp32 everywhere; on the GPU no TF32 (convolutions use FMA kernels)
  tf32,  ///< CUDA: convolutions on TF32 tensor cores (10-bit mantissa inputs, fp32 sums)
  bf16,  ///< bfloat16 activations and weights with fp32 sums, BN statistics and
         ///< parameters. oneDNN CPU: the hidden layers in bf16 (first and output
         ///< layer fp32), in inference and training (mixed precision: fp32 master
         ///< weights, gradients and Adam state); needs AVX512-BF16 (or AMX), see
         ///< precision_available. CUDA: infer() only; training runs as tf32
  fp16,  ///< CUDA: as bf16 with IEEE half
};

const char* to_string(Precision precision);
/// "fp32", "tf32", "bf16", "fp16"; throws ismooth::Error otherwise.
Precision parse_precision(std::string_view name);

struct EngineOptions {
  EngineKind kind = EngineKind::onednn_cpu;
  /// Input sizes whose primitives and buffers stay cached; the least recently
  /// used is dropped beyond this. ≥ 1.
  int max_cached_sizes = 4;
  /// Accumulate wall time per phase (Network::timings): one clock read and a
  /// stream synchronisation per phase and layer, so off by default.
  bool collect_timings = false;
  /// See Precision; the oneDNN engine accepts fp32 and bf16.
  Precision precision = Precision::fp32;
  /// CUDA: device ordinal.
  int cuda_device = 0;
  /// CUDA: pick convolution algorithms by timing them (cudnnFind*, once per
  /// input size) rather than by cuDNN's heuristics.
  bool cuda_benchmark_algorithms = true;

  bool IsValid(std::string* error = nullptr) const;
};

/// Per-channel statistics of one per-image batch-norm layer, fixed in
/// advance: `mean` and `inv_std` = 1/sqrt(var + ε), `width` values each.
/// Tiled inference (inference.hpp) computes them over the whole image and
/// hands them to every tile.
struct BatchNormStatistics {
  std::vector<float> mean, inv_std;
};

/// A read-only view of an activation held by an engine: channels-last, the
/// value of channel c at (y, x) is data[(y·extent.width + x)·channels + c].
/// Valid until the next call on the network that produced it.
struct ActivationView {
  const float* data = nullptr;
  Extent extent;
  int channels = 0;
};

/// The engine interface. Create with make_network().
class Network {
 public:
  virtual ~Network() = default;

  virtual const NetworkConfig& config() const = 0;
  virtual EngineKind kind() const = 0;
  /// Library, device and precision, e.g. "oneDNN 2.6.3 cpu, fp32".
  virtual std::string engine_info() const = 0;

  /// Replaces the weights (after an optimiser step or a file load); the
  /// layout must be config()'s (check_parameters). Cheap: a copy and the
  /// reorders into the engine's preferred weight formats.
  virtual void set_parameters(const Parameters& params) = 0;
  /// The weights in use, in the documented layouts.
  virtual const Parameters& parameters() const = 0;

  /// T255 for one image (3, H, W) on 0–255, into `output` (resized to
  /// (3, H, W)). Keeps no state for backward. BN uses the image's own
  /// statistics (BatchNormMode::per_image).
  virtual void infer(const Image<float>& input, Image<float>& output) = 0;

  /// For tiled inference: runs layers 0 … `layer` (indices into
  /// describe_layers) of `input`, every BN layer k < `layer` normalising with
  /// `statistics[k]` instead of the statistics of `input`, and returns the
  /// convolution output of layer `layer` *before* its BN (the tensor whose
  /// statistics BN would take). `statistics` has one entry per layer (those of
  /// layers without BN and from `layer` on are ignored). The default throws
  /// ismooth::Error (engine without tiling support).
  /// Whether forward_to_layer and infer_with_statistics are implemented, i.e.
  /// whether smooth_with_network can tile (the oneDNN engine; the CUDA engine
  /// runs whole images).
  virtual bool supports_tiling() const { return false; }
  virtual ActivationView forward_to_layer(const Image<float>& input,
                                          const std::vector<BatchNormStatistics>& statistics,
                                          std::size_t layer);

  /// infer() with every BN layer normalising with `statistics` (one entry per
  /// layer) instead of the image's own. The default throws ismooth::Error.
  virtual void infer_with_statistics(const Image<float>& input,
                                     const std::vector<BatchNormStatistics>& statistics,
                                     Image<float>& output);

  /// Training forward: the same T255 as infer(), keeping the activations that
  /// backward() needs (about 2·L activation tensors of `width` channels).
  virtual void forward(const Image<float>& input, Image<float>& output) = 0;

  /// Gradients after the latest forward(): given dL/dT255 (3, H, W), writes
  /// dL/dθ into `gradients` (made config()'s layout if it is not; every
  /// tensor overwritten) and, if `grad_input` is not null, dL/dI255 (3, H, W)
  /// including the skip. Biases of convolutions followed by per-image BN
  /// cancel in the normalisation: their gradient is exactly 0.
  /// Throws ismooth::Error if no forward() at this size came before.
  virtual void backward(const Image<float>& grad_output, Parameters& gradients,
                        Image<float>* grad_input = nullptr) = 0;

  /// One training pass on `loss`'s crop: T255 = net(loss.input()) as
  /// forward(), the loss and its terms at T with dL/dT255, and dL/dθ into
  /// `gradients` as backward(). Returns the loss's reported terms;
  /// `*finite` is false when the loss, T or the gradients are not (the
  /// gradients are then unspecified). The default runs forward(),
  /// loss.evaluate() and backward() on host images; an engine may evaluate
  /// the paper's energy (TrainingLoss::paper_energy) on its device instead
  /// (the CUDA engine does; other losses take the default there too).
  virtual EnergyTerms train_pass(const TrainingLoss& loss, Parameters& gradients, bool* finite);

  /// Bytes of activations, weights and scratch the engine holds now (all
  /// cached sizes), for benchmarks and memory planning.
  virtual std::size_t workspace_bytes() const = 0;
  /// Frees every cached size.
  virtual void clear_cache() = 0;

  /// The kernels this engine runs on an image of `image`, one line per layer:
  /// on oneDNN each primitive's implementation (impl_info_str, e.g. "layer 5
  /// bf16: fwd brgconv:avx512_core_bf16"), with `training` the backward ones
  /// too (and the forward training runs), without it the forward inference
  /// runs ("| output bf16" where a bf16 layer stores its output in bf16).
  /// Builds the size's primitives if they are not cached. Empty where the
  /// engine does not say (the default).
  virtual std::string kernels(Extent image, bool training = false);

  /// Wall seconds spent per phase since construction or reset_timings(),
  /// e.g. "conv_forward", "bn_forward", "conv_backward_data",
  /// "conv_backward_weights", "bn_backward", "weights", "edges". Empty unless
  /// EngineOptions::collect_timings.
  virtual std::map<std::string, double> timings() const = 0;
  virtual void reset_timings() = 0;

  /// Convenience: infer() returning the output.
  Image<float> infer(const Image<float>& input) {
    Image<float> output;
    infer(input, output);
    return output;
  }

 private:
  // The default train_pass's T and dL/dT, kept across steps: two fresh
  // images a step (600 KB each at 224²) cost 3-5 ms of a 125 ms bf16 step in
  // page faults and zeroing (bench_network).
  Image<float> pass_t_, pass_dt_;
};

/// True if `kind` is built into this library and usable here; otherwise false
/// with the reason in `*why`.
bool engine_available(EngineKind kind, std::string* why = nullptr);

/// True if `kind` runs `precision` on this machine (oneDNN bf16: a CPU with
/// native bf16 arithmetic, AVX512-BF16 or AMX, as oneDNN detects it and
/// ONEDNN_MAX_CPU_ISA allows); otherwise false with the reason in `*why`.
/// There is no slow fallback: make_network refuses instead.
bool precision_available(EngineKind kind, Precision precision, std::string* why = nullptr);

/// A network of `config` with `params` (check_parameters) on the engine of
/// `options.kind`. Throws ismooth::Error if the engine or the precision is not
/// available (precision_available).
std::unique_ptr<Network> make_network(const NetworkConfig& config, const Parameters& params,
                                      const EngineOptions& options = {});

}  // namespace ismooth::network
