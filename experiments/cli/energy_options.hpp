#pragma once
// The energy flags shared by `ismooth energy`, `solve` and `train` (and the
// p-map names the experiment drivers use): --preset, --energy, --set,
// --mask, --edges, turned into a preset, a p map and energy parameters.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "ismooth/energy_params.hpp"
#include "ismooth/energy_selection.hpp"
#include "ismooth/image.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/l2_mask.hpp"
#include "ismooth/presets.hpp"

namespace ismooth::cli {

/// The values of the energy flags, as typed.
struct EnergyOptions {
  std::string preset = "smoothing";
  std::string energy = "adaptive";  ///< p map: adaptive, l2, l08, half
  std::vector<std::string> sets;    ///< --set key=value, in order
  std::string mask, edges;          ///< PNG files, empty = none
};

/// Help texts of the energy flags; a subcommand overrides those whose
/// meaning it narrows (the defaults are `ismooth energy`'s).
struct EnergyHelp {
  std::string preset = "smoothing (default), detail, texture, background, foreground";
  std::string energy =
      "p map: adaptive (Eq. 8, default), l2, l08, half (fixed maps of the solver study; these "
      "also set lambda_e = 0)";
  std::string set =
      "override a parameter, key=value (repeatable): sigma_r, sigma_s, lambda_f, lambda_e, "
      "alpha, c1, c2, radius, p_large, p_small, dilate, gradient, colour_weight_floor, "
      "epsilon, zero_guidance_margin";
  std::string mask =
      "foreground mask F (PNG, >127 = foreground) for the background/foreground presets";
  std::string edges = "use this edge map B (PNG, >127 = edge) instead of detecting one";
};

/// Adds --preset, --energy, --set, --mask and --edges to `cmd`, in the
/// help's "Energy" group.
void add_energy_options(CLI::App& cmd, EnergyOptions& options, const EnergyHelp& help = {});

/// The flags' words turned into an energy (energy_selection.hpp, shared with
/// the Python module): EnergySelection, EnergyRules, drop_edge_term_for_fixed_map.
using ismooth::drop_edge_term_for_fixed_map;

/// select_energy of energy_selection.hpp on --preset, --energy and the --set
/// values, in order. Throws ismooth::Error naming the flag at fault.
EnergySelection select_energy(const EnergyOptions& options, const EnergyRules& rules = {});

/// Refuses --mask for a preset that has no foreground.
void require_mask_applies(const EnergyOptions& options, Preset preset);

/// --edges and --mask loaded and checked against the size of `input`.
template <class Input>
PresetInputs load_preset_inputs(const EnergyOptions& options, const Input& input) {
  PresetInputs inputs;
  if (!options.edges.empty()) inputs.edges = load_mask(options.edges);
  if (!options.mask.empty()) inputs.foreground = load_mask(options.mask);
  if (inputs.edges) check_same_size(*inputs.edges, "--edges " + options.edges, input, "INPUT");
  if (inputs.foreground)
    check_same_size(*inputs.foreground, "--mask " + options.mask, input, "INPUT");
  return inputs;
}

}  // namespace ismooth::cli
