#pragma once
/// \file
/// From the words a user types to an energy: a preset name, a p-map name and
/// `key=value` overrides become the preset, the p map and validated
/// EnergyParams. One rule for the command line (`--preset`, `--energy`,
/// `--set` of `ismooth energy`, `solve` and `train`) and the Python module
/// (`preset=`, `energy=`, `**params` of `ismooth.energy`, `solve`, `train`),
/// so both build the same energy from the same words.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ismooth/energy_params.hpp"
#include "ismooth/presets.hpp"

namespace ismooth {

/// The paper's solver study drops the edge term with the fixed maps
/// (docs/spec/energy.md §7): λ_e = 0 unless the p map is the adaptive one.
inline void drop_edge_term_for_fixed_map(EnergyParams& params, PMapKind pmap) {
  if (pmap != PMapKind::adaptive) params.lambda_e = 0;
}

/// What the words select.
struct EnergySelection {
  Preset preset = Preset::smoothing;
  PMapKind pmap = PMapKind::adaptive;
  EnergyParams params;
};

/// How select_energy builds the parameters beyond the words.
struct EnergyRules {
  /// The parameters of a preset before any override (train: its training defaults).
  std::function<EnergyParams(Preset)> defaults = preset_params;
  /// Called with each "key=value" before it is applied, to refuse keys a
  /// command does not take.
  std::function<void(const std::string&)> check_set;
  /// Applied after every override, before validation (train's --gradient).
  std::function<void(EnergyParams&)> finish;
};

/// Preset and p map parsed (parse_preset, parse_pmap_kind), parameters =
/// rules.defaults(preset), λ_e dropped for a fixed map, each "key=value" of
/// `sets` applied in order (set_parameter; an explicit lambda_e wins), then
/// validated. Throws ismooth::Error naming the parameters as `spelling`
/// writes them ("--set sigma_r=x" or "sigma_r=x").
inline EnergySelection select_energy(std::string_view preset, std::string_view energy,
                                     const std::vector<std::string>& sets,
                                     const EnergyRules& rules = {},
                                     Spelling spelling = Spelling::flag) {
  EnergySelection s;
  s.preset = parse_preset(preset);
  s.pmap = parse_pmap_kind(energy);
  s.params = rules.defaults(s.preset);
  drop_edge_term_for_fixed_map(s.params, s.pmap);
  for (const auto& assignment : sets) {
    if (rules.check_set) rules.check_set(assignment);
    set_parameter(s.params, assignment, spelling);
  }
  if (rules.finish) rules.finish(s.params);
  s.params.validate(parameters_name(spelling));
  return s;
}

/// Refuses a foreground mask (named `what`: "--mask", "mask") for a preset
/// that has none, and requires one for the background and foreground presets.
inline void require_mask_applies(bool has_mask, Preset preset, std::string_view what) {
  require(preset_needs_foreground(preset) || !has_mask, what,
          " is only used by the background and foreground presets, not by '", preset_name(preset),
          "'");
  require(!preset_needs_foreground(preset) || has_mask, "preset '", preset_name(preset),
          "' needs a foreground mask (", what, ")");
}

}  // namespace ismooth
