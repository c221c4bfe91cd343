// ismooth.saliency, detail and stylize: the tool's `saliency`, `detail` and
// `stylize` on numpy arrays, through the same library calls (the base
// smoothing is cli/app_smoother.hpp's, compiled in); gradient_reversal:
// apps/gradient_reversal.hpp, Fig. 11's halo measure.
#include <cmath>
#include <filesystem>

#include "arrays.hpp"
#include "calls.hpp"
#include "cli/app_smoother.hpp"
#include "cli/style_options.hpp"
#include "ismooth/apps/detail_boost.hpp"
#include "ismooth/apps/gradient_reversal.hpp"
#include "ismooth/apps/saliency.hpp"
#include "ismooth/network/default_model.hpp"
#include "keywords.hpp"

namespace ismooth::python {

namespace {

/// The style parameters ismooth.stylize takes as keywords: the flags of
/// `ismooth stylize` (cli::add_style_numbers) in snake_case.
const std::vector<std::string> kStyleNumbers = {
    "seed",           "levels",        "quantise_sharpness", "edge_sigma", "edge_threshold",
    "edge_sharpness", "stroke_length", "stroke_width",       "directions", "stroke_exponent",
    "theta"};

/// The base smoother of detail/stylize: `smoother` as the tool's
/// --smoother; `model` None (the command's default: `fallback_name`, or the
/// shipped default model when empty), an ismooth.Model, a model file or a
/// shipped model's name (as --model).
cli::AppSmoother app_smoother(const std::string& smoother, const py::object& model,
                              const std::string& default_name) {
  cli::AppSmoother s;
  s.smoother = smoother;
  if (py::isinstance<Model>(model)) {
    s.model = model.cast<Model&>().path();
  } else if (!model.is_none()) {
    s.model = path_text(model, "model");
  }
  cli::check_app_smoother(s, Spelling::keyword);
  if (s.smoother != "model") return s;
  if (s.model.empty()) s.model = default_name;
  // A name or a file (resolve_model's rules); "" or "default": the shipped
  // model, found beside the installed module first.
  s.model = s.model.empty() || s.model == "default" ? default_model_file().string()
                                                     : network::resolve_model(s.model, Spelling::keyword).string();
  return s;
}

}  // namespace

py::object saliency(const py::handle& image, double threshold, bool soft) {
  require(std::isfinite(threshold) && threshold >= 0 && threshold <= 1, "threshold ", threshold,
          ": expected a number in [0, 1]");
  const InputImage<float> in = to_image<float>(image, "image");
  Plane<float> map;
  Mask mask;
  {
    py::gil_scoped_release release;
    map = saliency_map(in.image);
    mask = saliency_mask(map, threshold);
  }
  py::array_t<bool> m = from_mask(mask);
  if (!soft) return std::move(m);
  py::array_t<double> s({py::ssize_t(height(map)), py::ssize_t(width(map))});
  std::copy(map.begin(), map.end(), s.mutable_data());
  return py::make_tuple(m, s);
}

py::array_t<float> detail(const py::handle& image, const std::string& method,
                          const py::object& factor, const py::object& model,
                          const std::string& smoother, const py::handle& base) {
  apps::DetailParams params;
  params.method = apps::parse_detail_method(method);
  params.factor = factor.is_none() ? apps::default_detail_factor(params.method)
                                   : cast_keyword<double>(factor, "factor");
  std::string why;
  require(params.IsValid(&why), "detail: ", why, " (got ", params.factor, ")");
  const InputImage<float> in = to_image<float>(image, "image");
  Image<float> out;
  if (!base.is_none()) {
    // A base of the caller's own (a saved smoothing, a per-image solver's
    // result): boosted as is, so `model` and `smoother` have nothing to do.
    require(model.is_none() && smoother == "model",
            "detail: base is given, so model and smoother must be left at their defaults");
    const InputImage<float> s = to_image<float>(base, "base");
    check_same_size(in.image, "image", s.image, "base");
    {
      py::gil_scoped_release release;
      out = apps::boost_detail(in.image, s.image, params);
    }
    return from_image(out, in.grey);
  }
  // The tool's default: the shipped detail model, until it is shipped the smoothing one.
  const std::string name = network::shipped_model("detail").shipped ? "detail" : "";
  const cli::AppSmoother smoothing = app_smoother(smoother, model, name);
  {
    py::gil_scoped_release release;
    out = apps::boost_detail(in.image, cli::app_smooth(in.image, smoothing), params);
  }
  return from_image(out, in.grey);
}

py::dict gradient_reversal(const py::handle& input, const py::handle& enhanced, double threshold,
                           int radius) {
  apps::ReversalParams params;
  params.threshold = threshold;
  params.radius = radius;
  const InputImage<float> in = to_image<float>(input, "input");
  const InputImage<float> e = to_image<float>(enhanced, "enhanced");
  apps::ReversalMeasure m;
  {
    py::gil_scoped_release release;
    m = apps::gradient_reversal(in.image, e.image, params);
  }
  py::dict d;
  d["reversal_fraction"] = m.reversal_fraction;
  d["overshoot"] = m.overshoot;
  d["strong_pairs"] = m.strong_pairs;
  return d;
}

py::array_t<float> stylize(const py::handle& image, const std::string& style,
                           const py::object& model, const py::object& seed,
                           const std::string& smoother, bool texture, py::kwargs params) {
  cli::check_style(style, Spelling::keyword);
  cli::StyleParams style_params;
  {
    CLI::App scratch;  // the command's flags, to check the keywords alike
    cli::NumericFlags numbers;
    cli::add_style_numbers(scratch, numbers, style_params);
    params["seed"] = seed;
    take_numbers(params, numbers, kStyleNumbers);
  }
  style_params.pencil.texture = texture;
  if (!params.empty())
    throw py::type_error("stylize() got an unexpected keyword argument '" +
                         std::string(py::str(params.begin()->first)) + "'");
  const cli::AppSmoother base = app_smoother(smoother, model, "");
  const InputImage<float> in = to_image<float>(image, "image");
  Image<float> out;
  {
    py::gil_scoped_release release;
    out = cli::stylize(cli::app_smooth(in.image, base), style, style_params);
  }
  return from_image(out, in.grey);
}

}  // namespace ismooth::python
