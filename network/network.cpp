// The engine factory: picks the engine named in EngineOptions at run time.
#include "ismooth/network/network.hpp"

#include "cuda_engine_hooks.hpp"
#include "ismooth/error.hpp"
#include "onednn/onednn_network.hpp"

namespace ismooth::network {

detail::CudaEngineHooks& detail::cuda_engine_hooks() {
  static CudaEngineHooks hooks;
  return hooks;
}

const char* to_string(EngineKind kind) {
  switch (kind) {
    case EngineKind::onednn_cpu:
      return "onednn_cpu";
    case EngineKind::cuda:
      return "cuda";
  }
  return "?";
}

const char* to_string(Precision precision) {
  switch (precision) {
    case Precision::fp32:
      return "fp32";
    case Precision::tf32:
      return "tf32";
    case Precision::bf16:
      return "bf16";
    case Precision::fp16:
      return "fp16";
  }
  return "?";
}

Precision parse_precision(std::string_view name) {
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16})
    if (name == to_string(p)) return p;
  fail("unknown precision '", name, "' (expected fp32, tf32, bf16 or fp16)");
}

ActivationView Network::forward_to_layer(const Image<float>&,
                                         const std::vector<BatchNormStatistics>&, std::size_t) {
  fail("Network::forward_to_layer: the ", to_string(kind()),
       " engine does not support tiled inference");
}

void Network::infer_with_statistics(const Image<float>&, const std::vector<BatchNormStatistics>&,
                                    Image<float>&) {
  fail("Network::infer_with_statistics: the ", to_string(kind()),
       " engine does not support tiled inference");
}

std::string Network::kernels(Extent, bool) { return {}; }

bool EngineOptions::IsValid(std::string* error) const {
  std::string why;
  if (max_cached_sizes < 1)
    why = "max_cached_sizes must be at least 1, got " + std::to_string(max_cached_sizes);
  else if (kind == EngineKind::onednn_cpu && precision != Precision::fp32 &&
           precision != Precision::bf16)
    why = std::string("the oneDNN CPU engine runs fp32 or bf16, not ") + to_string(precision);
  else if (cuda_device < 0)
    why = "cuda_device must be >= 0, got " + std::to_string(cuda_device);
  if (error != nullptr) *error = why;
  return why.empty();
}

bool engine_available(EngineKind kind, std::string* why) {
  std::string reason;
  switch (kind) {
    case EngineKind::onednn_cpu:
      break;
    case EngineKind::cuda:
      if (detail::cuda_engine_hooks().problem != nullptr)
        reason = detail::cuda_engine_hooks().problem();
      else
#if defined(ISMOOTH_BUILT_WITH_CUDA)
        reason = "this program is not linked with the CUDA engine (link ismooth::cuda: "
                 "find_package(ismooth COMPONENTS network cuda))";
#else
        reason = "this build has no CUDA engine (configure with -DISMOOTH_CUDA=ON and the CUDA "
                 "toolkit + cuDNN installed)";
#endif
      break;
    default:
      reason = "unknown engine kind " + std::to_string(int(kind));
      break;
  }
  if (why != nullptr) *why = reason;
  return reason.empty();
}

bool precision_available(EngineKind kind, Precision precision, std::string* why) {
  std::string reason;
  if (!engine_available(kind, &reason)) {
    // reason says why
  } else if (kind == EngineKind::onednn_cpu) {
    detail::onednn_supports(precision, &reason);
  }
  if (why != nullptr) *why = reason;
  return reason.empty();
}

std::unique_ptr<Network> make_network(const NetworkConfig& config, const Parameters& params,
                                      const EngineOptions& options) {
  std::string why;
  if (!options.IsValid(&why)) fail("make_network: invalid engine options: ", why);
  if (!engine_available(options.kind, &why))
    fail("make_network: engine '", to_string(options.kind), "' is not available: ", why);
  if (!precision_available(options.kind, options.precision, &why)) fail("make_network: ", why);
  check_parameters(config, params, "make_network");
  if (options.kind == EngineKind::cuda) return detail::cuda_engine_hooks().make(config, params, options);
  return detail::make_onednn_network(config, params, options);
}

}  // namespace ismooth::network
