// NetworkConfig and the layer list every engine walks: validation, the
// paper's 26 layers, FLOPs and parameter counts, odd sizes.
#include <doctest/doctest.h>

#include "ismooth/network/network_description.hpp"
#include "ismooth/network/parameters.hpp"

using namespace ismooth::network;

TEST_CASE("network config: the paper's network, validation and description") {
  const NetworkConfig paper;
  CHECK(paper.IsValid());
  CHECK(paper.num_layers() == 26);
  const std::vector<LayerSpec> layers = describe_layers(paper);
  REQUIRE(layers.size() == 26);
  CHECK(layers[2].stride == 2);
  CHECK(layers[23].kind == LayerKind::transposed_convolution);
  CHECK(layers[23].weight_name() == "conv24.weight");
  CHECK(layers[25].kernel == 1);
  CHECK(layers[25].out_channels == 3);
  CHECK(!layers[25].batch_norm());
  CHECK(layers[12].dilation == 8);  // layer 13: second conv of block 5
  CHECK(layers[12].padding == 8);
  CHECK(layers[12].role == LayerRole::block_second);
  // spec: ≈ 0.571 MFLOP per pixel, ≈ 0.92 M parameters.
  const double per_pixel = forward_flops(paper, {720, 1280}) / (720.0 * 1280.0);
  CHECK(per_pixel == doctest::Approx(571136.0).epsilon(1e-6));
  CHECK(num_parameters(paper) > 900000);
  CHECK(num_parameters(paper) < 940000);
  CHECK(make_parameters(paper).num_values() == std::size_t(num_parameters(paper)));

  std::string why;
  NetworkConfig bad = paper;
  bad.blocks = 9;
  CHECK(!bad.IsValid(&why));
  CHECK(why.find("one dilation per residual block") != std::string::npos);
  bad = paper;
  bad.width = 0;
  CHECK_THROWS_AS(bad.validate("test"), ismooth::Error);
  bad = paper;
  bad.dilations[3] = 0;
  CHECK(!bad.IsValid(&why));
  CHECK(why.find("block 3") != std::string::npos);
}

TEST_CASE("network config: odd sizes (stride 2 gives ceil(H/2), the transposed conv H x W)") {
  const std::vector<LayerSpec> layers = describe_layers(NetworkConfig::tiny());
  const Extent image{13, 8};
  CHECK(layers[2].output_extent(image) == Extent{7, 4});
  CHECK(layers[3].input_extent(image) == Extent{7, 4});
  const LayerSpec& deconv = layers[layers.size() - 3];
  CHECK(deconv.kind == LayerKind::transposed_convolution);
  CHECK(deconv.output_extent(image) == image);
  CHECK(deconv.extra_padding(image) == Extent{1, 0});
}

