// ismooth stylize INPUT OUTPUT --style abstraction|pencil|pencil-colour
//                 [--model M] [--smoother model|wls|l0] [--seed S] [style parameters]
//
// Image abstraction (Winnemöller et al. 2006) and pencil drawing (Lu, Xu,
// Jia 2012) on a smoothing of INPUT (docs/applications.md): every stage is a
// library function under include/ismooth/apps/; this file reads the flags,
// checks them and the output before any work, and writes atomically.
#include <cstdio>

#include "cli/app_smoother.hpp"
#include "cli/commands.hpp"
#include "cli/flag_values.hpp"
#include "cli/output_paths.hpp"
#include "ismooth/apps/abstraction.hpp"
#include "ismooth/apps/pencil.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/default_model.hpp"

namespace ismooth::cli {

void add_stylize_command(CLI::App& app, Action& action) {
  struct Args {
    std::string input, output, style;
    AppSmoother base;
    apps::AbstractionParams abstraction;
    apps::PencilParams pencil;
    NumericFlags numbers;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "stylize",
      "Image abstraction or pencil drawing on a smoothing of INPUT (docs/applications.md)");
  cmd->add_option("INPUT", a->input, "input image (PNG/JPEG)")->required();
  cmd->add_option("OUTPUT", a->output, "output image (.png, .jpg)")->required();
  cmd->add_option("--style", a->style, "abstraction, pencil or pencil-colour")->required();
  cmd->add_option("--model,-m", a->base.model,
                  "model file or shipped model name (default: smoothing)");
  cmd->add_option("--smoother", a->base.smoother, std::string("base smoother: ") + kAppSmoothers);
  NumericFlags& n = a->numbers;
  n.add(*cmd, "--seed", a->pencil.seed, {0, 4294967295LL, ""},
        "pencil: seed of the procedural pencil texture (default 0)");
  // abstraction
  n.add(*cmd, "--levels", a->abstraction.quantise.levels, {2, 256, ""},
        "abstraction: lightness levels (default 8)");
  n.add(*cmd, "--quantise-sharpness", a->abstraction.quantise.sharpness, {0, 1000, true, ""},
        "abstraction: phi_q of the soft quantisation (default 3)");
  n.add(*cmd, "--edge-sigma", a->abstraction.edges.sigma, {0, 100, true, ""},
        "abstraction: sigma_e of the DoG edges, pixels (default 1)");
  n.add(*cmd, "--edge-threshold", a->abstraction.edges.tau, {0, 1, true, ""},
        "abstraction: tau of the DoG edges (default 0.98)");
  n.add(*cmd, "--edge-sharpness", a->abstraction.edges.sharpness, {0, 1000, true, ""},
        "abstraction: phi_e, darkness ramp of the edge lines (default 2)");
  // pencil
  n.add(*cmd, "--stroke-length", a->pencil.stroke.length, {1, 64, ""},
        "pencil: half length of the stroke lines, pixels (default 8)");
  n.add(*cmd, "--stroke-width", a->pencil.stroke.width, {0, 16, ""},
        "pencil: extra rows either side of a stroke (default 1)");
  n.add(*cmd, "--directions", a->pencil.stroke.directions, {2, 64, ""},
        "pencil: stroke directions (default 8)");
  n.add(*cmd, "--stroke-exponent", a->pencil.stroke.exponent, {0, 100, true, ""},
        "pencil: gamma_S, darkness of the strokes (default 2)");
  cmd->add_flag("--texture", a->pencil.texture,
                "pencil: render the tone with a procedural pencil texture (default: none, as the "
                "authors' call)");
  n.add(*cmd, "--theta", a->pencil.theta, {0, 1000, true, ""},
        "pencil: theta of the texture's least-squares problem (default 0.2)");
  cmd->callback([a, &action] {
    action = [a] {
      a->numbers.parse_all();
      require(a->style == "abstraction" || a->style == "pencil" || a->style == "pencil-colour",
              "--style ", a->style, ": unknown style; expected abstraction, pencil or pencil-colour");
      check_app_smoother(a->base);
      if (a->base.smoother == "model" && !a->base.model.empty())
        a->base.model = network::resolve_model(a->base.model).string();
      (void)detail::format_of(a->output, true);
      check_outputs({{"OUTPUT", a->output}}, {{"INPUT", a->input}, {"--model", a->base.model}});
      const Image<float> input = load_image(a->input);
      const Image<float> base = app_smooth(input, a->base);
      const Image<float> out = a->style == "abstraction"
                                   ? apps::abstraction(base, a->abstraction)
                                   : apps::pencil(base, a->pencil, a->style == "pencil-colour");
      save_image(out, a->output);
      return 0;
    };
  });
}

}  // namespace ismooth::cli
