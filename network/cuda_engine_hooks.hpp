#pragma once
// Where make_network finds the CUDA engine. The engine is a library of its own
// (ismooth::cuda), so that ismooth::network links without the CUDA runtime and
// cuDNN; when a program links ismooth::cuda, cuda/cuda_registration.cpp fills
// these hooks in during static initialisation. Private to ismooth::network.

#include <memory>
#include <string>

#include "ismooth/network/network.hpp"

namespace ismooth::network::detail {

struct CudaEngineHooks {
  /// Empty if the engine can run here, else why not (cuda_engine_problem).
  std::string (*problem)() = nullptr;
  /// The engine (cuda::make_cuda_network).
  std::unique_ptr<Network> (*make)(const NetworkConfig& config, const Parameters& params,
                                   const EngineOptions& options) = nullptr;
};

/// The hooks, empty until ismooth::cuda registers itself.
CudaEngineHooks& cuda_engine_hooks();

}  // namespace ismooth::network::detail
