// ismooth energy INPUT OUTPUT [--preset NAME] [--mask F.png] [--set key=value]...
//                [--edges B.png] [--energy adaptive|l2|l08|half] [--json]
#include <cstdio>

#include "cli/commands.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/presets.hpp"

namespace ismooth::cli {

namespace {

struct Args {
  std::string input, output, preset = "smoothing", mask, edges, energy = "adaptive";
  std::vector<std::string> sets;
  bool json = false;
};

void print_terms(const EnergyTerms& t, const EnergyParams& p, const Args& a, bool json) {
  if (json) {
    std::printf(
        "{\"data\": %.17g, \"flatten\": %.17g, \"edge\": %.17g, \"total\": %.17g, "
        "\"edge_pixels\": %zu, \"l2_fraction\": %.17g, \"lambda_f\": %.17g, \"lambda_e\": %.17g, "
        "\"preset\": \"%s\", \"energy\": \"%s\"}\n",
        t.data, t.flatten, t.edge, t.total, t.edge_pixels, t.l2_fraction, p.lambda_f, p.lambda_e,
        a.preset.c_str(), a.energy.c_str());
    return;
  }
  std::printf("preset %s, p map %s (terms unweighted, 0-255 scale)\n", a.preset.c_str(),
              a.energy.c_str());
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
  cmd->add_option("--preset", args->preset,
                  "smoothing (default), detail, texture, background, foreground");
  cmd->add_option("--mask", args->mask, "foreground mask F (PNG, >127 = foreground) for "
                                        "the background/foreground presets");
  cmd->add_option("--set", args->sets,
                  "override a parameter, key=value (repeatable): sigma_r, sigma_s, lambda_f, "
                  "lambda_e, alpha, c1, c2, radius, p_large, p_small, dilate, gradient, "
                  "colour_weight_floor, epsilon, zero_guidance_margin");
  cmd->add_option("--edges", args->edges, "use this edge map B (PNG, >127 = edge) instead of "
                                          "detecting one");
  cmd->add_option("--energy", args->energy,
                  "p map: adaptive (Eq. 8, default), l2, l08, half (fixed maps of the solver "
                  "study; these also set lambda_e = 0)");
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, &action] {
    action = [args] {
      const Preset preset = parse_preset(args->preset);
      const PMapKind kind = parse_pmap_kind(args->energy);
      EnergyParams params = preset_params(preset);
      // The fixed maps are the paper's solver study, which drops the edge
      // term (energy.md §7); an explicit --set lambda_e still wins.
      if (kind != PMapKind::adaptive) params.lambda_e = 0;
      for (const auto& s : args->sets) set_parameter(params, s);
      params.validate("--set");
      require(preset_needs_foreground(preset) || args->mask.empty(), "--mask is only used by "
              "the background and foreground presets, not by '", args->preset, "'");
      const Image<double> input = load_image_as<double>(args->input);
      const Image<double> output = load_image_as<double>(args->output);
      check_same_size(output, "OUTPUT " + args->output, input, "INPUT " + args->input);
      PresetInputs inputs;
      if (!args->edges.empty()) inputs.edges = load_mask(args->edges);
      if (!args->mask.empty()) inputs.foreground = load_mask(args->mask);
      if (inputs.edges) check_same_size(*inputs.edges, "--edges " + args->edges, input, "INPUT");
      if (inputs.foreground)
        check_same_size(*inputs.foreground, "--mask " + args->mask, input, "INPUT");
      const auto energy = make_energy(input, preset, params, inputs, PMap{kind});
      print_terms(energy.evaluate_terms(output), params, *args, args->json);
      return 0;
    };
  });
}

}  // namespace ismooth::cli
