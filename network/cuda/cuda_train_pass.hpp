#pragma once
// The CUDA engine's training pass on the paper's energy (private to
// ismooth::network; host C++ header): the crop is uploaded once with the
// energy's constants, then forward, the energy's value and gradient
// (CudaSmoothingEnergy) and backward run on device buffers; only the
// parameter gradients come back (Adam stays on the host, like the CPU path).
// CudaNetwork::train_pass uses it when the loss is the paper's energy.

#include <optional>

#include "cuda/cuda_common.hpp"
#include "cuda/cuda_energy.hpp"
#include "cuda/cuda_network.hpp"

namespace ismooth::network::cuda {

class DeviceTrainPass {
 public:
  explicit DeviceTrainPass(DeviceNetwork& net) : net_(net) {}

  /// Descends `descend`'s gradient; reports `reported`'s terms (ε = 0) when
  /// it is another energy than `descend`. `*finite` as Network::train_pass.
  EnergyTerms run(const SmoothingEnergy<float>& descend, const SmoothingEnergy<float>& reported,
                  Parameters& gradients, bool* finite);

 private:
  DeviceNetwork& net_;
  // Kept between steps: same-size crops reuse their device buffers.
  std::optional<CudaSmoothingEnergy> descend_, reported_;
  DeviceBuffer t_, dt_;
};

}  // namespace ismooth::network::cuda
