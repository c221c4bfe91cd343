// ismooth energy INPUT OUTPUT [--preset NAME] [--mask F.png] [--set key=value]...
//                [--edges B.png] [--energy adaptive|l2|l08|half] [--json]
//
// Writes no file. A non-finite energy is an error (exit 1), never printed.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/energy_options.hpp"
#include "ismooth/energy_report.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::cli {

namespace {

struct Args {
  std::string input, output;
  EnergyOptions energy;
  bool json = false;
};

void print_terms(const EnergyTerms& t, const EnergyParams& p, const Args& a, bool json) {
  if (json) {
    // The writer of summary_io.hpp: always valid JSON (null for non-finite).
    JsonFields fields;
    for (const auto& [key, value] : energy_report(t, p))
      fields.emplace_back(key, json_number(value));
    fields.emplace_back("preset", json_string(a.energy.preset));
    fields.emplace_back("energy", json_string(a.energy.energy));
    std::fputs(json_object(fields).c_str(), stdout);
    return;
  }
  std::printf("preset %s, p map %s (terms unweighted, 0-255 scale)\n", a.energy.preset.c_str(),
              a.energy.energy.c_str());
  std::printf("  data        %.9g\n", t.data);
  std::printf("  flatten     %.9g   x lambda_f = %g\n", t.flatten, p.lambda_f);
  std::printf("  edge        %.9g   x lambda_e = %g\n", t.edge, p.lambda_e);
  std::printf("  total       %.9g\n", t.total);
  std::printf("  edge pixels %zu\n", t.edge_pixels);
  std::printf("  L2 fraction %.6f\n", t.l2_fraction);
}

}  // namespace

void add_energy_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "energy", "Print the energy (Eq. 1) of OUTPUT as a smoothing of INPUT, term by term");
  cmd->add_option("INPUT", args->input, "the original image I")->required();
  cmd->add_option("OUTPUT", args->output, "the smoothed image T (same size)")->required();
  add_energy_options(*cmd, args->energy);
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, &action] {
    action = [args] {
      const EnergySelection e = select_energy(args->energy);
      require_mask_applies(args->energy, e.preset);
      const Image<double> input = load_image_as<double>(args->input);
      const Image<double> output = load_image_as<double>(args->output);
      check_same_size(output, "OUTPUT " + args->output, input, "INPUT " + args->input);
      const PresetInputs inputs = load_preset_inputs(args->energy, input);
      const auto energy = make_energy(input, e.preset, e.params, inputs, PMap{e.pmap});
      const EnergyTerms terms = energy.evaluate_terms(output);
      require_finite_energy(terms);
      print_terms(terms, e.params, *args, args->json);
      return 0;
    };
  });
}

}  // namespace ismooth::cli
