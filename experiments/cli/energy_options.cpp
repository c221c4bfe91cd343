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

EnergySelection select_energy(const EnergyOptions& options, const EnergyRules& rules) {
  return ismooth::select_energy(options.preset, options.energy, options.sets, rules,
                                Spelling::flag);
}

void require_mask_applies(const EnergyOptions& options, Preset preset) {
  ismooth::require_mask_applies(!options.mask.empty(), preset, "--mask");
}

}  // namespace ismooth::cli
