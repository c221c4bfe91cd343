#pragma once
// The oneDNN CPU engine (private to ismooth::network; use make_network).

#include <memory>

#include "ismooth/network/network.hpp"

namespace ismooth::network::detail {

std::unique_ptr<Network> make_onednn_network(const NetworkConfig& config, const Parameters& params,
                                             const EngineOptions& options);

/// One line per layer of the plan for `image`: the oneDNN implementation
/// each primitive got (forward, backward data, backward weights). For checks
/// that no layer fell back to a reference kernel.
std::string onednn_implementations(Network& network, Extent image);

}  // namespace ismooth::network::detail
