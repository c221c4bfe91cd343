#pragma once
/// \file
/// Smoothing an image with a trained network, with the authors' test-time
/// post-processing (docs/spec/network.md, "Inference post-processing"):
///
///     a_c = ⟨T_c, I_c⟩ / ⟨T_c, T_c⟩   per channel c, on the 0–255 scale,
///     output_c = clamp(a_c · T_c, 0, 255)
///
/// i.e. the least-squares gain that matches each channel of the prediction T
/// to the input I. It exists to cancel a global brightness drift of the
/// network's output (per-image batch normalisation leaves the overall level
/// of T loosely tied to I); it is on by default, as in the authors' script.
/// The authors divide by 255 and clamp to [0, 1]; we stay on 0–255 and clamp
/// to [0, 255], the same image. With ⟨T_c, T_c⟩ = 0 the gain is 1.
///
/// Memory: the oneDNN engine's inference buffers for a whole image,
/// Network::workspace_bytes() after infer() minus the weights, are a fixed
/// number of bytes per pixel for a given network (measured per network in
/// docs/network.md, "Inference memory and tiling"),
/// plus 12 bytes per pixel for each (3, H, W) float image the caller holds
/// (input, output). inference_bytes_per_pixel() models these numbers.
/// When the estimate for an image exceeds InferenceOptions::max_memory_bytes,
/// smooth_with_network runs the network in overlapping tiles that give the
/// whole-image result (tiled_inference.hpp): memory is then about one tile's
/// activations plus the whole input and output, at the price of time (one
/// pass over the tiles per batch-norm layer).

#include <array>
#include <cstddef>
#include <string>

#include "ismooth/image.hpp"
#include "ismooth/network/model_file.hpp"
#include "ismooth/network/network.hpp"
#include "ismooth/network/tiled_inference.hpp"

namespace ismooth::network {

struct InferenceOptions {
  /// Per-channel gain matching and clamping to [0, 255] (see \file). Off: the
  /// raw T255 (writing an image clamps it anyway).
  bool postprocess = true;
  /// Memory budget of one image's inference, in bytes. When
  /// inference_bytes_per_pixel × H × W exceeds it, the image is processed in
  /// tiles sized to fit (same result, more time). 0 = no budget: never tile
  /// unless `tile` says so. Default 6144 MiB: a 12 MP photo runs whole with
  /// the shipped width-32 model, the paper's network is tiled there
  /// (docs/network.md, "Inference memory and tiling").
  /// Host memory: ignored by engines without tiling (Network::supports_tiling;
  /// the CUDA engine), which run whole images.
  std::size_t max_memory_bytes = std::size_t(6144) << 20;
  /// > 0: always tile, with interiors of this many pixels per side (rounded
  /// up to even; the halo comes on top), whatever the budget. For tests and
  /// experiments. 0 = tile only to meet max_memory_bytes.
  int tile = 0;

  bool IsValid(std::string* error = nullptr) const;
};

/// What smooth_with_network did.
struct InferenceReport {
  bool tiled = false;
  /// The tiling used (a single whole-image "tile" when not tiled).
  TileGrid grid;
  /// Passes over the tiles: one per batch-norm layer plus the final one
  /// (1 when not tiled).
  int passes = 1;
  /// Estimated bytes of a whole-image inference, and of what ran (one tile's
  /// inference plus the whole input and output images when tiled).
  double whole_image_bytes = 0, estimated_bytes = 0;
};

/// a_c = ⟨T_c, I_c⟩ / ⟨T_c, T_c⟩ for c = R, G, B (1 where ⟨T_c, T_c⟩ = 0).
/// `t` and `input` (3, H, W) on 0–255, same size. Sums in double.
std::array<double, 3> gain_match_coefficients(const Image<float>& t, const Image<float>& input);

/// t_c ← clamp(a_c · t_c, 0, 255) with the coefficients above.
void apply_gain_match(const Image<float>& input, Image<float>& t);

/// T255 of `input` (3, H, W, 0–255) through `net`, post-processed per
/// `options`, whole or in tiles (see InferenceOptions); what happened goes to
/// `*report` if given. Throws ismooth::Error for an invalid image or options.
Image<float> smooth_with_network(Network& net, const Image<float>& input,
                                 const InferenceOptions& options = {},
                                 InferenceReport* report = nullptr);

/// The same with a network built from `model` on the engine of `engine`.
Image<float> smooth_with_model(const Model& model, const Image<float>& input,
                               const InferenceOptions& options = {},
                               const EngineOptions& engine = {});

/// Bytes of memory the inference of an H × W image takes beyond the weights,
/// per pixel: a model of the oneDNN engine's buffers (two full-resolution and
/// three half-resolution activations of `width` fp32 channels) plus the
/// (3, H, W) input, output and post-processing images (compared with the
/// measured buffers in docs/network.md); the tests check it against
/// workspace_bytes().
double inference_bytes_per_pixel(const NetworkConfig& config);

}  // namespace ismooth::network
