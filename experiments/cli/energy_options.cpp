// The energy flags shared by the subcommands (energy_options.hpp).
#include "cli/energy_options.hpp"

namespace ismooth::cli {

void add_energy_options(CLI::App& cmd, EnergyOptions& options, const EnergyHelp& help) {
  const char* group = "Energy";
  cmd.add_option("--preset", options.preset, help.preset)->group(group);
  cmd.add_option("--energy", options.energy, help.energy)->group(group);
  cmd.add_option("--set", options.sets, help.set)->group(group);
  cmd.add_option("--mask", options.mask, help.mask)->group(group);
  cmd.add_option("--edges", options.edges, help.edges)->group(group);
}

void drop_edge_term_for_fixed_map(EnergyParams& params, PMapKind pmap) {
  if (pmap != PMapKind::adaptive) params.lambda_e = 0;
}

EnergySelection select_energy(const EnergyOptions& options, const EnergyRules& rules) {
  EnergySelection s;
  s.preset = parse_preset(options.preset);
  s.pmap = parse_pmap_kind(options.energy);
  s.params = rules.defaults(s.preset);
  drop_edge_term_for_fixed_map(s.params, s.pmap);
  for (const auto& assignment : options.sets) {
    if (rules.check_set) rules.check_set(assignment);
    set_parameter(s.params, assignment);
  }
  if (rules.finish) rules.finish(s.params);
  s.params.validate("--set");
  return s;
}

void require_mask_applies(const EnergyOptions& options, Preset preset) {
  require(preset_needs_foreground(preset) || options.mask.empty(),
          "--mask is only used by the background and foreground presets, not by '", options.preset,
          "'");
}

}  // namespace ismooth::cli
