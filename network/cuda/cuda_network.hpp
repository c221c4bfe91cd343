#pragma once
// The CUDA engine (private to ismooth::network; use make_network with
// EngineKind::cuda). Host C++ header: no CUDA or cuDNN types.
//
// Besides the Network interface (host images in and out), DeviceNetwork
// takes device pointers, so a training pass on the paper's energy keeps its
// images on the GPU (Network::train_pass → DeviceTrainPass,
// cuda_train_pass.hpp):
//   forward_device(I, T) → CudaSmoothingEnergy::evaluate(T, dT) →
//   backward_device(dT, grads).

#include <memory>
#include <string>

#include "ismooth/network/network.hpp"

namespace ismooth::network::cuda {

/// Empty if the CUDA engine can run here, else why not ("no CUDA device
/// present: <CUDA's message>").
std::string cuda_engine_problem();

class DeviceNetwork : public Network {
 public:
  /// The cudaStream_t every call of this engine runs on.
  virtual void* stream_handle() const = 0;
  /// infer() on device memory (input I255, output T255, (3, H, W) planar
  /// fp32 on the device); asynchronous on the stream.
  virtual void infer_device(const float* input, Extent image, float* output) = 0;
  /// Training forward on device memory: `input` I255 (3, H, W) planar fp32,
  /// `output` T255 (3, H, W), both on the device; asynchronous on the stream.
  virtual void forward_device(const float* input, Extent image, float* output) = 0;
  /// backward() on device memory: `grad_output` dL/dT255 on the device;
  /// gradients land in `gradients` on the host (synchronises); `grad_input`
  /// (device, may be null) receives dL/dI255.
  virtual void backward_device(const float* grad_output, Extent image, Parameters& gradients,
                               float* grad_input) = 0;
};

/// The engine; throws ismooth::Error if no device or cuDNN handle is usable.
std::unique_ptr<DeviceNetwork> make_cuda_network(const NetworkConfig& config,
                                                 const Parameters& params,
                                                 const EngineOptions& options);

}  // namespace ismooth::network::cuda
