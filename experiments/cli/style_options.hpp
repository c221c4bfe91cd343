#pragma once
// The style parameters of `ismooth stylize` (abstraction and pencil
// drawing), registered once with their ranges and help: the command adds
// them as flags, the Python module's ismooth.stylize takes them as keywords
// (the flags' names in snake_case) through the same NumericFlags, so a bad
// value is refused with the same range and words, each caller naming it its
// own way (option_spelling.hpp).

#include <CLI/CLI.hpp>

#include "cli/flag_values.hpp"
#include "ismooth/apps/abstraction.hpp"
#include "ismooth/apps/pencil.hpp"

namespace ismooth::cli {

/// Every parameter of the styles; defaults are the library's.
struct StyleParams {
  apps::AbstractionParams abstraction;
  apps::PencilParams pencil;
};

/// The numeric style flags (--seed, --levels, --quantise-sharpness,
/// --edge-sigma, --edge-threshold, --edge-sharpness, --stroke-length,
/// --stroke-width, --directions, --stroke-exponent, --theta) on `cmd`,
/// written into `params` by `numbers`. --texture, a switch, is the caller's.
void add_style_numbers(CLI::App& cmd, NumericFlags& numbers, StyleParams& params);

/// Throws ismooth::Error, naming the option as `spelling` writes it
/// ("--style", "style"), unless `style` is abstraction, pencil or pencil-colour.
void check_style(const std::string& style, Spelling spelling);

/// The style `style` (checked) of a smoothed image ((3, H, W), 0–255).
Image<float> stylize(const Image<float>& smoothed, const std::string& style,
                     const StyleParams& params);

}  // namespace ismooth::cli
