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
#include "cli/style_options.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/default_model.hpp"

namespace ismooth::cli {

void add_stylize_command(CLI::App& app, Action& action) {
  struct Args {
    std::string input, output, style;
    AppSmoother base;
    StyleParams params;
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
  add_style_numbers(*cmd, a->numbers, a->params);
  cmd->add_flag("--texture", a->params.pencil.texture,
                "pencil: render the tone with a procedural pencil texture (default: none, as the "
                "authors' call)");
  cmd->callback([a, &action] {
    action = [a] {
      a->numbers.parse_all();
      check_style(a->style, Spelling::flag);
      check_app_smoother(a->base);
      if (a->base.smoother == "model" && !a->base.model.empty())
        a->base.model = network::resolve_model(a->base.model).string();
      (void)detail::format_of(a->output, true);
      check_outputs({{"OUTPUT", a->output}}, {{"INPUT", a->input}, {"--model", a->base.model}});
      const Image<float> input = load_image(a->input);
      const Image<float> base = app_smooth(input, a->base);
      save_image(stylize(base, a->style, a->params), a->output);
      return 0;
    };
  });
}

}  // namespace ismooth::cli
