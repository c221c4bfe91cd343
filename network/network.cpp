// The engine factory: picks the engine named in EngineOptions at run time.
#include "ismooth/network/network.hpp"

#include "ismooth/error.hpp"
#include "onednn_network.hpp"

namespace ismooth::network {

const char* to_string(EngineKind kind) {
  switch (kind) {
    case EngineKind::onednn_cpu:
      return "onednn_cpu";
    case EngineKind::cuda:
      return "cuda";
  }
  return "?";
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

bool EngineOptions::IsValid(std::string* error) const {
  std::string why;
  if (max_cached_sizes < 1)
    why = "max_cached_sizes must be at least 1, got " + std::to_string(max_cached_sizes);
  if (error != nullptr) *error = why;
  return why.empty();
}

bool engine_available(EngineKind kind, std::string* why) {
  std::string reason;
  switch (kind) {
    case EngineKind::onednn_cpu:
      break;
    case EngineKind::cuda:
      reason = "the CUDA engine is not built into this library yet";
      break;
    default:
      reason = "unknown engine kind " + std::to_string(int(kind));
      break;
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
  check_parameters(config, params, "make_network");
  return detail::make_onednn_network(config, params, options);
}

}  // namespace ismooth::network
