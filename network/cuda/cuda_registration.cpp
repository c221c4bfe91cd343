// Hands the CUDA engine to make_network (cuda_engine_hooks.hpp) when a program
// links ismooth::cuda.
#include "cuda/cuda_network.hpp"
#include "cuda_engine_hooks.hpp"

// ismooth::cuda's interface links with --undefined=ismooth_cuda_engine_anchor,
// so the linker takes this object, and its registration, out of the static
// library although no code calls into it.
extern "C" void ismooth_cuda_engine_anchor() {}

namespace ismooth::network::cuda {
namespace {

std::unique_ptr<Network> make_engine(const NetworkConfig& config, const Parameters& params,
                                     const EngineOptions& options) {
  return make_cuda_network(config, params, options);
}

const bool registered = [] {
  detail::CudaEngineHooks& hooks = detail::cuda_engine_hooks();
  hooks.problem = &cuda_engine_problem;
  hooks.make = &make_engine;
  return true;
}();

}  // namespace
}  // namespace ismooth::network::cuda
