// The Python module `ismooth` (docs/python.md): names, arguments and
// docstrings. The work is in energy_calls.cpp and network_calls.cpp.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "calls.hpp"
#include "gate.hpp"
#include "ismooth/energy_params.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

constexpr const char* kModuleDoc = R"doc(
Edge-preserving image smoothing (Fan et al., "Image Smoothing via Unsupervised
Learning", SIGGRAPH Asia 2018) on numpy arrays: the C++ library behind the
`ismooth` command-line tool, with the same results.

Images are numpy arrays H x W x 3 (RGB) or H x W (grey), uint8 or floating
point on the 0-255 scale, any strides. A grey image is processed as RGB with
three equal channels; results of grey inputs are H x W (the channel mean).
Results are new arrays: float32 where the library computes in float (smooth,
solve), float64 energies, bool edge maps.

Functions: smooth, Model, edges, energy, solve, minimize, train, overfit, and the
applications of Sec. 7: detail, stylize, saliency; gradient_reversal (Fig. 11's
halo measure).
Bad input raises ValueError (or FileNotFoundError, TypeError) with the
library's message; a failed solve raises SolverError. Long calls release the
GIL; solve, minimize and train stop on Ctrl-C (KeyboardInterrupt) at the next
iteration.
)doc";

constexpr const char* kSaliencyDoc = R"doc(
saliency(image, threshold=0.5, soft=False) -> numpy.ndarray of bool, H x W
    (with soft=True: (mask, soft_map))

The salient-object mask (minimum barrier saliency, Zhang et al. 2015) of
`image`, as `ismooth saliency`: True where the soft map is above
`threshold` (in [0, 1]). It is the foreground mask F of the background and
foreground presets (ismooth.energy(..., mask=F)). soft=True also returns the
soft map: float64, H x W, values in (0, 1).
)doc";

constexpr const char* kDetailDoc = R"doc(
detail(image, method="sigmoid", factor=None, model=None, smoother="model",
       base=None) -> numpy.ndarray

Detail magnification, as `ismooth detail`: the base S = a smoothing of
`image`, the detail image - S boosted. method: "sigmoid" (Farbman et al.'s
boost of the CIELAB lightness detail; factor K default 15) or "linear"
(S + K*(image - S) per channel; default K 3). factor: 0 to 1000.
model: None (the shipped detail model; until it is shipped, the smoothing
model), a model file, a shipped model's name or an ismooth.Model.
smoother: "model", "wls" or "l0" (the classic base smoothers; no model
then). base: a smoothing S of your own (an array of the image's size,
e.g. a saved result) boosted instead; model and smoother stay unset then.
Returns float32 clamped to 0-255, H x W x 3 (H x W for grey input).
)doc";

constexpr const char* kGradientReversalDoc = R"doc(
gradient_reversal(input, enhanced, threshold=16, radius=2) -> dict

The halo measures of Fig. 11 (apps/gradient_reversal.hpp) of `enhanced`
E against `input` I, on the luminance (0-255), over 4-neighbour pairs whose
input step exceeds `threshold` grey levels: reversal_fraction (the share of
those steps whose sign flips in E), overshoot (mean grey levels by which E
leaves I's range in the (2 radius + 1)^2 window at those pixels) and
strong_pairs (their count). Both measures are 0 for E = I. E is a detail
boost (ismooth.detail(I, base=S)) or the smoothing S itself.
)doc";

constexpr const char* kStylizeDoc = R"doc(
stylize(image, style="abstraction", model=None, seed=0, smoother="model",
        *, texture=False, **params) -> numpy.ndarray

Image abstraction (Winnemoeller et al. 2006) or pencil drawing (Lu, Xu,
Jia 2012) on a smoothing of `image`, as `ismooth stylize`.
style: "abstraction", "pencil" or "pencil-colour". model, smoother: as in
ismooth.detail (model None: the shipped smoothing model). texture=True:
pencil tone rendered with a procedural pencil texture of `seed` (--texture,
--seed).
params: the tool's style flags in snake_case, defaults as there; a value out
of the flag's range raises ValueError naming the keyword.
  abstraction: levels (8; 2..256), quantise_sharpness (3), edge_sigma
    (1 pixel), edge_threshold (0.98; tau in (0, 1]), edge_sharpness (2)
  pencil: stroke_length (8; 1..64), stroke_width (1; 0..16), directions
    (8; 2..64), stroke_exponent (2), theta (0.2; with texture)
Returns float32 0-255, H x W x 3 (H x W for grey input).
)doc";

constexpr const char* kSmoothDoc = R"doc(
smooth(image, model=None, device="cpu", precision="fp32", postprocess=True,
       max_memory_mib=6144, tile=0) -> numpy.ndarray

Smooths `image` with a trained network (`ismooth smooth`): the shipped
model unless `model` names a model file (or is an ismooth.Model; "default"
names the shipped one), then the authors' per-channel gain matching.
device: "cpu" (oneDNN) or "cuda" (needs a CUDA build and a GPU).
precision: "fp32"; "tf32", "bf16", "fp16" on cuda only (others raise
ValueError with the engine's reason). postprocess=False: the raw network
output, without gain matching and clamping (--no-postprocess). Images whose
inference would need more than max_memory_mib run in tiles with the same
result (0 = no limit); tile > 0 forces tiles of that size (--max-memory,
--tile). Returns float32, H x W x 3 (H x W for grey input), clamped to
0-255 unless postprocess=False. Loads the model on every call: to smooth
many images, make one ismooth.Model.
)doc";

constexpr const char* kEdgesDoc = R"doc(
edges(image, texture=False) -> numpy.ndarray of bool, H x W

The structure-edge map B (docs/spec/energy.md section 8) of `image`, or with
texture=True the texture map (section 9): `ismooth edges`.
)doc";

constexpr const char* kEnergyDoc = R"doc(
energy(input, output, preset="smoothing", energy="adaptive", edges=None,
       mask=None, **params) -> dict

The energy (Eq. 1) of `output` T as a smoothing of `input` I, term by term,
on the 0-255 scale, computed in double as `ismooth energy --json`, with its
keys: data, flatten, edge (each unweighted), total, edge_pixels (N_e, int),
l2_fraction, lambda_f, lambda_e, preset, energy.

preset: smoothing, detail, texture, background, foreground (the last two
    need `mask`, the foreground F: an H x W array, non-zero = foreground).
energy: the p map: adaptive (Eq. 8), or the fixed maps l2, l08, half of the
    solver study (which also set lambda_e = 0).
edges: an H x W map B (non-zero = edge) replacing the detected edges.
**params: energy parameters, as the tool's --set: sigma_r, sigma_s,
    lambda_f, lambda_e, alpha, c1, c2, radius, p_large, p_small, dilate,
    gradient ("exact" | "clipped"), colour_weight_floor, epsilon,
    zero_guidance_margin. Unknown keys and bad values raise ValueError.
)doc";

constexpr const char* kSolveDoc = R"doc(
solve(input, solver, preset="smoothing", energy="adaptive", iterations=None,
      init=None, callback=None, extra_terms=None, edges=None, mask=None,
      **params) -> (T, summary)

Minimises the energy (Eq. 1) of `input` from T = input (or `init`) with
solver "irls", "adam" or "lbfgs", as `ismooth solve` (same options, same
result: T is the tool's OUTPUT before its rounding to 8 bits; the summary's
numbers are its --json). Returns T (float32, the input's layout, not
clamped) and the summary dict.

preset, energy, edges, mask, **params: as ismooth.energy. irls needs the
    edge term off (lambda_e=0, or a fixed map: energy="l2"|"l08"|"half").
iterations: default irls 10, adam 100, lbfgs 100.
Solver settings (keywords; each only for its solver, as the tool's flags):
    learning_rate, schedule ("constant" | "cosine")  -- adam (default lr 0.5
        for energy="adaptive", 5 otherwise)
    epsilon, memory                                 -- lbfgs (0.25, 20)
    epsilon, linear_solver ("auto"|"cholmod"|"pcg")  -- irls (0.01)
callback: callback(record) after every iteration (record 0 = the start),
    with a dict of the record's numbers (iteration, energy, data, flatten,
    edge, l2_fraction, energy_change, gradient_norm, step_norm, seconds and
    the solver's extras). Returning False, or raising StopIteration, stops
    the run and keeps T (termination "user_success"); any other exception
    aborts it and is raised from solve.
extra_terms: [(weight, fun), ...] added to the energy, fun(T) -> (value,
    gradient) with T and the gradient H x W x 3 float64 arrays (RGB, also for
    grey input): a term of your own, minimised with adam or lbfgs.

summary: solver, iterations (count), initial_energy, final_energy,
termination (convergence | no_convergence | user_success | user_abort |
failure), message, seconds, and records: a dict of numpy arrays, one entry
per iteration (records["energy"][k] is the energy after iteration k).

A failed solve, or one ending with a non-finite energy or iterate, raises
ismooth.SolverError (its .summary holds the run). Ctrl-C raises
KeyboardInterrupt at the next iteration; the GIL is released meanwhile.
)doc";

constexpr const char* kMinimizeDoc = R"doc(
minimize(fun, x0, solver="lbfgs", iterations=None, callback=None, **settings)
    -> (x, summary)

Minimises a function of your own with the library's Adam or L-BFGS: fun(x)
-> (value, gradient), x and the gradient float64 arrays of x0's shape.
settings: learning_rate, schedule (adam; default lr 5); memory (lbfgs).
iterations: default 100. callback and summary as in ismooth.solve (records
have no data/flatten/edge terms: NaN). The GIL is held only while fun and
callback run. A failure (non-finite value, line search failure) raises
ismooth.SolverError; an exception from fun is raised as is.
)doc";

constexpr const char* kTrainDoc = R"doc(
train(data, out, **options) -> summary

Trains the smoothing network with the energy as its loss (`ismooth train`,
the same run: the same options give the same model file, byte for byte),
writing the model to `out` and checkpoints to out + ".ckpt". `data`: a
folder of photos (.jpg/.jpeg/.png, recursive) or a list of images.
Options: the tool's flags in snake_case, defaults as there.
  val              folder or list of validation images (energy each epoch)
  preset           "smoothing", "detail", "texture", "background",
                   "foreground" (the last two take a mask per photo: masks)
  masks            "auto" (default; the built-in saliency detector, masks
                   cached in out + ".masks/") or a folder of masks: photo
                   sub/a.jpg takes sub/a.png, > 127 = foreground, the
                   photo's size (a wrong size raises ValueError); folder
                   masks need `data` as a folder
  energy           p map: "adaptive", "l2", "l08", "half"
  gradient         "clipped" (default) or "exact"
  epochs (30), steps_per_epoch (0 = one pass), batch (1: crops per update,
  their gradients averaged), crop (224), val_crop (0 = crop, -1 = whole
  images), max_side (512), flip (True; False = --no-flip), seed (0)
  width (64), blocks (10), dilations (list, overrides blocks)
  init ("uniform" | "he"), init_from (a model file of the same network),
  random_output_layer (False)
  lr (0.01), lr_schedule ("constant" | "cosine")
  checkpoint (out + ".ckpt"), checkpoint_minutes (5), resume (False: True
                   continues from the checkpoint, same options)
  stop_after       minutes of this call (0: at the first record): stops
                   with the checkpoint and the model of the current weights;
                   resume=True continues, to the model an uninterrupted run
                   writes; summary["stopped_early"] says it stopped
  log              CSV file, one row per step (the tool's --log; a resumed
                   run continues it from the checkpoint's rows)
  device ("cpu" | "cuda"), precision ("fp32" | "bf16": mixed precision on
  CPUs with AVX512-BF16), threads (0 = the default; OpenMP threads for
  this call), callback, and energy parameters as in ismooth.energy.
Bad values raise ValueError naming the keyword, with the tool's ranges.
callback(record) after every step (epoch, images_per_second, eta_seconds,
val_energy, ... among the record's keys): the progress callback; returning
False or raising StopIteration stops with the model of the current weights.
Ctrl-C writes the checkpoint and raises KeyboardInterrupt; train(...,
resume=True) continues. Returns the summary dict (as ismooth.solve's) and
stopped_early.
)doc";

constexpr const char* kOverfitDoc = R"doc(
overfit(image, out=None, edges=None, mask=None, **options) -> (T, summary)

Over-fits the network to one image, minimising the energy of its output
(the paper's CNN-overfit solver; `ismooth train --overfit IMAGE`, the same
run). Returns T, the network's output (float32, the image's layout, not
clamped: the tool's --output-image before clamping and rounding), and the
summary (solver "cnn-overfit", one record per iteration, and
identity_energy: E(T = I)). out: also write the model file.
edges, mask: as in ismooth.energy (mask: the foreground of the background
and foreground presets).
Options (the tool's flags, defaults as there): iterations (500), preset,
energy, gradient, width (64), blocks (10), dilations, seed (0), lr (0.01),
lr_schedule, init, init_from, random_output_layer, device, precision,
threads, log (CSV file, one row per iteration), callback (as in
ismooth.solve), and energy parameters as in ismooth.energy. Ctrl-C stops
at the next iteration and raises KeyboardInterrupt.
)doc";

}  // namespace

PYBIND11_MODULE(ismooth, m) {
  namespace ip = ismooth::python;
  m.doc() = kModuleDoc;
  // Each docstring starts with its Python signature; pybind11's own
  // (`input: handle, ...`) would only repeat it less readably.
  py::options options;
  options.disable_function_signatures();
  m.attr("__version__") = ISMOOTH_VERSION;
  ip::register_errors(m);

  std::vector<std::string> keys(ismooth::kEnergyParameterKeys.begin(),
                                ismooth::kEnergyParameterKeys.end());
  m.attr("ENERGY_PARAMETERS") = py::tuple(py::cast(keys));

  py::class_<ip::Model>(m, "Model", R"doc(
Model(path_or_name="default", device="cpu", precision="fp32", postprocess=True,
      max_memory_mib=6144, tile=0)

A trained model loaded once, to smooth many images: .smooth(image) as
ismooth.smooth; .config is a dict (width, blocks, dilations,
residual_image, description, path, engine, metadata). "default" (or None)
is the shipped model; a path must exist (else FileNotFoundError).
One image at a time per Model (calls from several threads queue).
)doc")
      .def(py::init([](const py::object& path_or_name, const std::string& device,
                       const std::string& precision, bool postprocess, double max_memory_mib,
                       int tile) {
             return std::make_unique<ip::Model>(
                 path_or_name,
                 ip::EngineChoice{device, precision, postprocess, max_memory_mib, tile});
           }),
           "path_or_name"_a = "default", "device"_a = "cpu", "precision"_a = "fp32",
           "postprocess"_a = true, "max_memory_mib"_a = 6144.0, "tile"_a = 0)
      .def("smooth", &ip::Model::smooth, "image"_a,
           "smooth(image) -> numpy.ndarray: the image smoothed by this model (as ismooth.smooth)")
      .def_property_readonly("config", &ip::Model::config, "the model's network and metadata")
      .def_property_readonly("path", &ip::Model::path, "the model file")
      .def("__repr__", &ip::Model::repr);

  m.def(
      "smooth",
      [](const py::handle& image, const py::object& model, const std::string& device,
         const std::string& precision, bool postprocess, double max_memory_mib, int tile) {
        return ip::smooth(image, model,
                          ip::EngineChoice{device, precision, postprocess, max_memory_mib, tile});
      },
      kSmoothDoc, "image"_a, "model"_a = py::none(), "device"_a = "cpu", "precision"_a = "fp32",
      "postprocess"_a = true, "max_memory_mib"_a = 6144.0, "tile"_a = 0);
  m.def("edges", &ip::edges, kEdgesDoc, "image"_a, "texture"_a = false);
  m.def("energy", &ip::energy, kEnergyDoc, "input"_a, "output"_a, "preset"_a = "smoothing",
        "energy"_a = "adaptive", "edges"_a = py::none(), "mask"_a = py::none());
  m.def("solve", &ip::solve, kSolveDoc, "input"_a, "solver"_a, "preset"_a = "smoothing",
        "energy"_a = "adaptive", "iterations"_a = py::none(), "init"_a = py::none(),
        "callback"_a = py::none(), "extra_terms"_a = py::none(), "edges"_a = py::none(),
        "mask"_a = py::none());
  m.def("minimize", &ip::minimize, kMinimizeDoc, "fun"_a, "x0"_a, "solver"_a = "lbfgs",
        "iterations"_a = py::none(), "callback"_a = py::none());
  m.def("train", &ip::train, kTrainDoc, "data"_a, "out"_a);
  m.def("overfit", &ip::overfit, kOverfitDoc, "image"_a, "out"_a = py::none(),
        "edges"_a = py::none(), "mask"_a = py::none());
  m.def("saliency", &ip::saliency, kSaliencyDoc, "image"_a, "threshold"_a = 0.5,
        "soft"_a = false);
  m.def("detail", &ip::detail, kDetailDoc, "image"_a, "method"_a = "sigmoid",
        "factor"_a = py::none(), "model"_a = py::none(), "smoother"_a = "model",
        "base"_a = py::none());
  m.def("gradient_reversal", &ip::gradient_reversal, kGradientReversalDoc, "input"_a,
        "enhanced"_a, "threshold"_a = 16.0, "radius"_a = 2);
  m.def("stylize", &ip::stylize, kStylizeDoc, "image"_a, "style"_a = "abstraction",
        "model"_a = py::none(), "seed"_a = 0, "smoother"_a = "model", py::kw_only(),
        "texture"_a = false);
}
