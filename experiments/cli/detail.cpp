// ismooth detail INPUT OUTPUT [--method sigmoid|linear] [--factor K] [--model M]
//                [--smoother model|wls|l0]
//
// Detail magnification (docs/applications.md): base S = smoothing of INPUT,
// detail D = INPUT − S, boosted by apps::boost_detail (sigmoid: Farbman et
// al.'s CIELAB lightness boost, strength K = 15 by default; linear: S + K·D,
// K = 3 by default), clamped to 0–255, written atomically. Default model:
// the shipped `detail` model; while it is not shipped, the `smoothing`
// model with a note on stderr (an explicit `--model detail` is an error).
#include <cmath>
#include <cstdio>

#include "cli/app_smoother.hpp"
#include "cli/commands.hpp"
#include "cli/flag_values.hpp"
#include "cli/output_paths.hpp"
#include "ismooth/apps/detail_boost.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/default_model.hpp"

namespace ismooth::cli {

void add_detail_command(CLI::App& app, Action& action) {
  struct Args {
    std::string input, output, method = "sigmoid";
    AppSmoother base;
    double factor = NAN;
    NumericFlags numbers;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "detail",
      "Detail magnification: smooth INPUT (the base S), boost the detail INPUT - S, write OUTPUT "
      "(docs/applications.md)");
  cmd->add_option("INPUT", a->input, "input image (PNG/JPEG)")->required();
  cmd->add_option("OUTPUT", a->output, "output image (.png, .jpg)")->required();
  cmd->add_option("--method", a->method,
                  "sigmoid (default: Farbman et al.'s boost of the CIELAB lightness detail) or "
                  "linear (S + K*(INPUT - S) per channel)");
  a->numbers.add(*cmd, "--factor,-k", a->factor, {0, 1000, false, ""},
                 "K: sigmoid strength (default 15) or linear factor (default 3; 0 gives S, 1 "
                 "gives INPUT)");
  cmd->add_option("--model,-m", a->base.model,
                  "model file or shipped model name (default: detail; until it is shipped, "
                  "smoothing)");
  cmd->add_option("--smoother", a->base.smoother,
                  std::string("base smoother: ") + kAppSmoothers);
  cmd->callback([a, &action] {
    action = [a] {
      a->numbers.parse_all();
      apps::DetailParams params;
      params.method = apps::parse_detail_method(a->method);
      params.factor = std::isnan(a->factor) ? apps::default_detail_factor(params.method) : a->factor;
      check_app_smoother(a->base);
      bool fallback = false;
      if (a->base.smoother == "model" && a->base.model.empty()) {
        fallback = !network::shipped_model("detail").shipped;
        a->base.model = fallback ? "smoothing" : "detail";
      }
      if (a->base.smoother == "model") a->base.model = network::resolve_model(a->base.model).string();
      (void)detail::format_of(a->output, true);
      check_outputs({{"OUTPUT", a->output}}, {{"INPUT", a->input}, {"--model", a->base.model}});
      if (fallback)
        std::fprintf(stderr,
                     "note: the detail model is not shipped yet; using the smoothing model "
                     "(docs/applications.md)\n");
      const Image<float> input = load_image(a->input);
      const Image<float> base = app_smooth(input, a->base);
      save_image(apps::boost_detail(input, base, params), a->output);
      return 0;
    };
  });
}

}  // namespace ismooth::cli
