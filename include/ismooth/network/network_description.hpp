#pragma once
/// \file
/// The network as a list of layers, derived from a NetworkConfig. Every engine
/// walks this list, so the oneDNN and CUDA engines, the model file and the
/// PyTorch reference agree on one description: layer order, shapes, parameter
/// names and the odd-size rule.
///
/// Parameter names and layouts (fp32; the same as PyTorch's, so a state dict
/// maps one to one):
///   conv<n>.weight  (C_out, C_in, k, k) for a convolution,
///                   (C_in, C_out, k, k) for the transposed convolution
///   conv<n>.bias    (C_out)
///   bn<n>.weight    (C_out)  γ of the BN after layer n
///   bn<n>.bias      (C_out)  β
/// with n the layer number from 1 (conv24 is the transposed convolution of
/// the paper's network).
///
/// Odd sizes: the stride-2 layer gives ⌈H/2⌉ × ⌈W/2⌉ (pad 1, as PyTorch); the
/// transposed convolution then yields 2⌈H/2⌉ rows, and we **crop the last row
/// (column) when H (W) is odd**. The engines compute the crop directly as a
/// right/bottom padding of 2 instead of 1, so no output is computed and thrown
/// away; in PyTorch it is `conv_transpose2d(...)[:, :, :H, :W]`.

#include <cstdint>
#include <string>
#include <vector>

#include "ismooth/network/network_config.hpp"

namespace ismooth::network {

enum class LayerKind : std::uint8_t { convolution, transposed_convolution };

/// What follows the convolution.
enum class LayerRole : std::uint8_t {
  plain,         ///< BN + ReLU
  block_first,   ///< first conv of a residual block: BN + ReLU
  block_second,  ///< second conv of a block: BN, + block input, ReLU
  output,        ///< the last layer: bias only (+ I255 if residual_image)
};

/// Height and width of an activation, in pixels.
struct Extent {
  int height = 0;
  int width = 0;
  bool operator==(const Extent&) const = default;
};

struct LayerSpec {
  int number = 0;  ///< 1-based, as in docs/spec/network.md
  LayerKind kind = LayerKind::convolution;
  LayerRole role = LayerRole::plain;
  int in_channels = 0;
  int out_channels = 0;
  int kernel = 3;  ///< square kernel size k
  int stride = 1;
  int dilation = 1;  ///< 1 = no dilation (oneDNN counts from 0)
  int padding = 1;   ///< symmetric padding; see output_extent for the odd-size crop
  bool half_resolution_input = false;  ///< input is ⌈H/2⌉ × ⌈W/2⌉

  bool batch_norm() const { return role != LayerRole::output; }
  /// ReLU after BN (after the residual add for block_second).
  bool relu() const { return role != LayerRole::output; }

  std::string weight_name() const { return "conv" + std::to_string(number) + ".weight"; }
  std::string bias_name() const { return "conv" + std::to_string(number) + ".bias"; }
  std::string bn_weight_name() const { return "bn" + std::to_string(number) + ".weight"; }
  std::string bn_bias_name() const { return "bn" + std::to_string(number) + ".bias"; }
  /// (C_out, C_in, k, k); (C_in, C_out, k, k) for the transposed convolution.
  std::vector<std::int64_t> weight_shape() const;

  /// Input extent of this layer for an H × W image.
  Extent input_extent(Extent image) const;
  /// Output extent for an H × W image (the transposed conv gives exactly H × W).
  Extent output_extent(Extent image) const;
  /// Extra bottom / right padding beyond `padding` (transposed conv on odd
  /// sizes: 1, i.e. the crop; otherwise 0).
  Extent extra_padding(Extent image) const;
  /// Multiply-adds × 2 of the convolution for an H × W image.
  double flops(Extent image) const;
};

/// The layers of `config`, in order (config.num_layers() of them).
std::vector<LayerSpec> describe_layers(const NetworkConfig& config);

/// ⌈H/2⌉ × ⌈W/2⌉: the resolution of the residual blocks.
inline Extent half_extent(Extent image) { return {(image.height + 1) / 2, (image.width + 1) / 2}; }

/// Forward floating-point operations of the convolutions (2 per multiply-add;
/// BN, ReLU and adds not counted) for an H × W image: ≈ 0.571 M per pixel for
/// the paper's network.
double forward_flops(const NetworkConfig& config, Extent image);

/// Number of scalar parameters (≈ 0.92 M for the paper's network).
std::int64_t num_parameters(const NetworkConfig& config);

/// Receptive-field radius of the convolution output of `layers[index]`
/// (before its BN), in full-resolution input pixels: an output pixel at
/// (y, x) — or a half-resolution pixel covering rows 2y, 2y + 1 and columns
/// 2x, 2x + 1 — depends only on input pixels within this distance (an upper
/// bound; exact for the layer kinds of describe_layers). Tiled inference
/// (tiled_inference.hpp) uses it as the halo: 254 for the paper's network, 30 for
/// tiny(8, {2, 4}).
int receptive_field_radius(const std::vector<LayerSpec>& layers, std::size_t index);

}  // namespace ismooth::network
