#pragma once
// Internal to ismooth::network: the weights a training run or an over-fit
// starts from (TrainerOptions / OverfitOptions: initial, init, seed,
// zero_output_layer).

#include <optional>
#include <string_view>

#include "ismooth/network/parameters.hpp"

namespace ismooth::network::detail {

/// `initial` checked against `config` if given (errors name `where`), else
/// initialised by `init` from `seed` with the output layer zeroed when
/// `zero_output` (trainer.hpp's zero_output_layer).
Parameters initial_weights(const NetworkConfig& config, const std::optional<Parameters>& initial,
                           InitScheme init, std::uint64_t seed, bool zero_output,
                           std::string_view where);

}  // namespace ismooth::network::detail
