// The style parameters of `ismooth stylize` and ismooth.stylize (style_options.hpp).
#include "cli/style_options.hpp"

namespace ismooth::cli {

void add_style_numbers(CLI::App& cmd, NumericFlags& n, StyleParams& p) {
  n.add(cmd, "--seed", p.pencil.seed, {0, 4294967295LL, ""},
        "pencil: seed of the procedural pencil texture (default 0)");
  // abstraction
  n.add(cmd, "--levels", p.abstraction.quantise.levels, {2, 256, ""},
        "abstraction: lightness levels (default 8)");
  n.add(cmd, "--quantise-sharpness", p.abstraction.quantise.sharpness, {0, 1000, true, ""},
        "abstraction: phi_q of the soft quantisation (default 3)");
  n.add(cmd, "--edge-sigma", p.abstraction.edges.sigma, {0, 100, true, ""},
        "abstraction: sigma_e of the DoG edges, pixels (default 1)");
  n.add(cmd, "--edge-threshold", p.abstraction.edges.tau, {0, 1, true, ""},
        "abstraction: tau of the DoG edges (default 0.98)");
  n.add(cmd, "--edge-sharpness", p.abstraction.edges.sharpness, {0, 1000, true, ""},
        "abstraction: phi_e, darkness ramp of the edge lines (default 2)");
  // pencil
  n.add(cmd, "--stroke-length", p.pencil.stroke.length, {1, 64, ""},
        "pencil: half length of the stroke lines, pixels (default 8)");
  n.add(cmd, "--stroke-width", p.pencil.stroke.width, {0, 16, ""},
        "pencil: extra rows either side of a stroke (default 1)");
  n.add(cmd, "--directions", p.pencil.stroke.directions, {2, 64, ""},
        "pencil: stroke directions (default 8)");
  n.add(cmd, "--stroke-exponent", p.pencil.stroke.exponent, {0, 100, true, ""},
        "pencil: gamma_S, darkness of the strokes (default 2)");
  n.add(cmd, "--theta", p.pencil.theta, {0, 1000, true, ""},
        "pencil: theta of the texture's least-squares problem (default 0.2)");
}

void check_style(const std::string& style, Spelling spelling) {
  require(style == "abstraction" || style == "pencil" || style == "pencil-colour",
          option_name("style", spelling), " ", style,
          ": unknown style; expected abstraction, pencil or pencil-colour");
}

Image<float> stylize(const Image<float>& smoothed, const std::string& style,
                     const StyleParams& params) {
  check_style(style, Spelling::flag);
  return style == "abstraction" ? apps::abstraction(smoothed, params.abstraction)
                                : apps::pencil(smoothed, params.pencil, style == "pencil-colour");
}

}  // namespace ismooth::cli
