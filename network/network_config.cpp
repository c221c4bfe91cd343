// NetworkConfig checks and the layer list every engine walks.
#include <cmath>
#include <sstream>

#include "ismooth/error.hpp"
#include "ismooth/network/network_description.hpp"

namespace ismooth::network {

bool NetworkConfig::IsValid(std::string* error) const {
  std::ostringstream why;
  if (width < 1 || width > 4096) {
    why << "width must be in [1, 4096], got " << width;
  } else if (blocks < 0 || blocks > 1000) {
    why << "blocks must be in [0, 1000], got " << blocks;
  } else if (dilations.size() != static_cast<std::size_t>(blocks)) {
    why << "one dilation per residual block is needed: " << blocks << " blocks but "
        << dilations.size() << " dilations";
  } else if (batch_norm != BatchNormMode::per_image) {
    why << "unknown batch-norm mode " << static_cast<int>(batch_norm);
  } else if (!(batch_norm_epsilon > 0.0f) || !std::isfinite(batch_norm_epsilon)) {
    why << "batch_norm_epsilon must be positive and finite, got " << batch_norm_epsilon;
  } else {
    for (std::size_t b = 0; b < dilations.size(); ++b) {
      if (dilations[b] < 1 || dilations[b] > 1024) {
        why << "dilation of block " << b << " must be in [1, 1024], got " << dilations[b];
        break;
      }
    }
  }
  if (error != nullptr) *error = why.str();
  return why.str().empty();
}

void NetworkConfig::validate(const char* caller) const {
  std::string why;
  if (!IsValid(&why)) fail(caller, ": invalid network configuration: ", why);
}

std::string NetworkConfig::describe() const {
  std::ostringstream s;
  s << "width " << width << ", " << blocks << " blocks, dilations ";
  for (std::size_t b = 0; b < dilations.size(); ++b) s << (b ? "," : "") << dilations[b];
  if (dilations.empty()) s << "(none)";
  s << (residual_image ? ", residual image" : ", direct output") << ", BN per image (eps "
    << batch_norm_epsilon << ")";
  return s.str();
}

std::vector<std::int64_t> LayerSpec::weight_shape() const {
  if (kind == LayerKind::transposed_convolution) return {in_channels, out_channels, kernel, kernel};
  return {out_channels, in_channels, kernel, kernel};
}

Extent LayerSpec::input_extent(Extent image) const {
  return half_resolution_input ? half_extent(image) : image;
}

Extent LayerSpec::output_extent(Extent image) const {
  if (kind == LayerKind::transposed_convolution) return image;
  if (stride == 2) return half_extent(image);
  return input_extent(image);
}

Extent LayerSpec::extra_padding(Extent image) const {
  if (kind != LayerKind::transposed_convolution) return {0, 0};
  const Extent half = half_extent(image);
  return {2 * half.height - image.height, 2 * half.width - image.width};
}

double LayerSpec::flops(Extent image) const {
  // A transposed convolution does its multiply-adds per *input* pixel.
  const Extent e =
      kind == LayerKind::transposed_convolution ? input_extent(image) : output_extent(image);
  return 2.0 * in_channels * out_channels * kernel * kernel * double(e.height) * e.width;
}

std::vector<LayerSpec> describe_layers(const NetworkConfig& config) {
  config.validate("describe_layers");
  const int c = config.width;
  std::vector<LayerSpec> layers;
  auto add = [&](LayerSpec s) {
    s.number = static_cast<int>(layers.size()) + 1;
    layers.push_back(s);
  };
  add({.in_channels = 3, .out_channels = c});
  add({.in_channels = c, .out_channels = c});
  add({.in_channels = c, .out_channels = c, .stride = 2});
  for (int d : config.dilations) {
    add({.role = LayerRole::block_first,
         .in_channels = c,
         .out_channels = c,
         .dilation = d,
         .padding = d,
         .half_resolution_input = true});
    add({.role = LayerRole::block_second,
         .in_channels = c,
         .out_channels = c,
         .dilation = d,
         .padding = d,
         .half_resolution_input = true});
  }
  add({.kind = LayerKind::transposed_convolution,
       .in_channels = c,
       .out_channels = c,
       .kernel = 4,
       .stride = 2,
       .padding = 1,
       .half_resolution_input = true});
  add({.in_channels = c, .out_channels = c});
  add({.role = LayerRole::output, .in_channels = c, .out_channels = 3, .kernel = 1, .padding = 0});
  return layers;
}

double forward_flops(const NetworkConfig& config, Extent image) {
  double total = 0;
  for (const LayerSpec& layer : describe_layers(config)) total += layer.flops(image);
  return total;
}

std::int64_t num_parameters(const NetworkConfig& config) {
  std::int64_t total = 0;
  for (const LayerSpec& layer : describe_layers(config)) {
    std::int64_t w = 1;
    for (std::int64_t d : layer.weight_shape()) w *= d;
    total += w + layer.out_channels;                          // weight, bias
    if (layer.batch_norm()) total += 2 * layer.out_channels;  // γ, β
  }
  return total;
}

int receptive_field_radius(const std::vector<LayerSpec>& layers, std::size_t index) {
  require(index < layers.size(), "receptive_field_radius: layer index ", index, " of ",
          layers.size());
  // A half-resolution pixel j stands for full pixels 2j and 2j + 1, and its
  // radius counts from that pair: [2j − r, 2j + 1 + r].
  int r = 0;
  for (std::size_t l = 0; l <= index; ++l) {
    const LayerSpec& s = layers[l];
    const int reach = s.dilation * (s.kernel / 2);
    if (s.kind == LayerKind::transposed_convolution)
      r += s.kernel / 2;  // full o reads half i with 2i ∈ [o − 2, o + 1]
    else if (s.stride == 2)
      r += reach;  // half j reads full [2j − 1, 2j + 1]
    else if (s.half_resolution_input)
      r += 2 * reach;
    else
      r += reach;
  }
  return r;
}

}  // namespace ismooth::network
