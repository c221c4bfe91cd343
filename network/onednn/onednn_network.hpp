#pragma once
// The oneDNN CPU engine (private to ismooth::network; use make_network).

#include <memory>

#include "ismooth/network/network.hpp"

namespace ismooth::network::detail {

/// True if this CPU runs `precision` natively (fp32 always; bf16 with
/// AVX512-BF16 or AMX as oneDNN's effective ISA reports); otherwise false
/// with the reason in `*why`.
bool onednn_supports(Precision precision, std::string* why);
/// oneDNN's effective CPU ISA, e.g. "avx512_core_bf16".
const char* cpu_isa_name();

std::unique_ptr<Network> make_onednn_network(const NetworkConfig& config, const Parameters& params,
                                             const EngineOptions& options);

/// One line per layer of the plan for `image`: the oneDNN implementation
/// each primitive got (forward, backward data, backward weights). For checks
/// that no layer fell back to a reference kernel.
std::string onednn_implementations(Network& network, Extent image);

}  // namespace ismooth::network::detail
