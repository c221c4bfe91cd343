#pragma once
/// \file
/// The configuration of the smoothing network (docs/spec/network.md, paper Fig. 4):
/// what differs between the paper's network, an ablation and the tiny networks
/// the tests use. Every engine (oneDNN CPU, later CUDA) builds the same network
/// from it, and the model file stores it (model_file.hpp).

#include <cstdint>
#include <string>
#include <vector>

namespace ismooth::network {

/// How batch normalisation gets its statistics.
enum class BatchNormMode : std::uint8_t {
  /// Per channel over the spatial positions of the current image (batch size
  /// 1), in training **and** in inference: the authors' test script keeps the
  /// network in training mode, so the default reproduces their outputs.
  per_image = 0,
};

/// Weight initialisation of the convolutions (biases 0, BN γ = 1, β = 0).
enum class InitScheme : std::uint8_t {
  /// The authors' Torch code: U(−s, s), s = sqrt(12 / ((C_in + C_out)·k_h·k_w)).
  uniform_code = 0,
  /// The paper's text: He et al., N(0, 2 / (C_in·k_h·k_w)).
  he = 1,
};

/// The network's shape. Defaults are the paper's network: 26 convolutions,
/// width 64, 10 residual blocks with dilations 2,2,4,4,8,8,16,16,1,1.
///
/// Layers, numbered from 1 as in docs/spec/network.md (L = 2·blocks + 6 in all):
///   1, 2   conv 3×3 (3→width, width→width) + BN + ReLU at full resolution
///   3      conv 3×3 stride 2 + BN + ReLU → ⌈H/2⌉ × ⌈W/2⌉
///   4 … L−3  `blocks` residual blocks, two dilated 3×3 convolutions each
///   L−2    transposed conv 4×4 stride 2 + BN + ReLU → exactly H × W
///   L−1    conv 3×3 + BN + ReLU
///   L      conv 1×1 width→3 (no BN, no ReLU), plus the input if residual.
struct NetworkConfig {
  int width = 64;   ///< channels of every hidden layer
  int blocks = 10;  ///< residual blocks; must equal dilations.size()
  /// Dilation of both convolutions of each residual block (padding = dilation,
  /// so every block keeps the half resolution).
  std::vector<int> dilations = {2, 2, 4, 4, 8, 8, 16, 16, 1, 1};
  /// Residual image learning: T255 = conv_L + I255. Off for the ablation that
  /// predicts T255 directly.
  bool residual_image = true;
  BatchNormMode batch_norm = BatchNormMode::per_image;
  float batch_norm_epsilon = 1e-5f;  ///< added to the variance (Torch's default)

  /// The paper's network (the defaults).
  static NetworkConfig paper() { return {}; }

  /// A small network for tests: `width` channels, one block per dilation.
  static NetworkConfig tiny(int width = 8, std::vector<int> dilations = {2, 4}) {
    NetworkConfig c;
    c.width = width;
    c.blocks = static_cast<int>(dilations.size());
    c.dilations = std::move(dilations);
    return c;
  }

  /// Number of convolution layers, 2·blocks + 6 (26 for the paper's network).
  int num_layers() const { return 2 * blocks + 6; }

  /// True if usable; otherwise false with the reason in `*error` (if given).
  bool IsValid(std::string* error = nullptr) const;

  /// Throws ismooth::Error naming `caller` unless IsValid().
  void validate(const char* caller) const;

  /// "width 64, 10 blocks, dilations 2,2,4,4,8,8,16,16,1,1, residual, BN per image"
  std::string describe() const;

  bool operator==(const NetworkConfig&) const = default;
};

}  // namespace ismooth::network
