// Tiled inference with whole-image BN statistics
// (include/ismooth/network/tiled_inference.hpp).
#include <doctest/doctest.h>

#include <cmath>

#include "ismooth/network/inference.hpp"
#include "ismooth/network/tiled_inference.hpp"
#include "network_test_support.hpp"

using namespace ismooth;
using namespace ismooth::network;

namespace {

struct Difference {
  double max_abs = 0, scale = 0;
};

Difference compare(const Image<float>& a, const Image<float>& b) {
  REQUIRE(a.shape() == b.shape());
  Difference d;
  for (std::size_t k = 0; k < a.size(); ++k) {
    d.max_abs = std::max(d.max_abs, std::abs(double(a.data()[k]) - double(b.data()[k])));
    d.scale = std::max(d.scale, std::abs(double(b.data()[k])));
  }
  return d;
}

// Interiors partition the image, tiles lie inside it, origins and interior
// boundaries are even, and every interior pixel has `halo` pixels of
// context in its tile or the image border within that distance.
void check_axis(int size, int interior, int tile, int count, int halo,
                int (TileGrid::*origin)(int) const, const TileGrid& g) {
  REQUIRE(tile <= size);
  REQUIRE(interior % 2 == 0);
  int covered = 0;
  for (int k = 0; k < count; ++k) {
    const int a = k * interior, b = std::min(a + interior, size);
    REQUIRE(a == covered);
    covered = b;
    const int o = (g.*origin)(k);
    CHECK(o % 2 == 0);
    CHECK(o >= 0);
    CHECK(o + tile <= size);
    CHECK((o == 0 || a - o >= halo));
    CHECK((o + tile == size || o + tile - b >= halo));
  }
  CHECK(covered == size);
}

void check_grid(const TileGrid& g) {
  check_axis(g.image.height, g.interior.height, g.tile.height, g.rows, g.halo, &TileGrid::origin_y,
             g);
  check_axis(g.image.width, g.interior.width, g.tile.width, g.cols, g.halo, &TileGrid::origin_x, g);
}

}  // namespace

TEST_CASE("tiled inference: the receptive-field radius of the last layer is the halo") {
  const auto paper = describe_layers(NetworkConfig::paper());
  CHECK(receptive_field_radius(paper, paper.size() - 1) == 254);
  CHECK(receptive_field_radius(paper, 0) == 1);
  CHECK(receptive_field_radius(paper, 2) == 3);  // after the stride-2 layer
  const auto tiny = describe_layers(NetworkConfig::tiny(8, {2, 4}));
  CHECK(receptive_field_radius(tiny, tiny.size() - 1) == 30);
  CHECK_THROWS_AS(receptive_field_radius(tiny, tiny.size()), Error);
  CHECK(plan_tiles(NetworkConfig::tiny(8, {2, 4}), {100, 100}, 10).halo == 30);
}

TEST_CASE("tiled inference: tile grids partition the image with aligned, haloed tiles") {
  const NetworkConfig config = NetworkConfig::tiny(8, {2, 4});
  for (const Extent image : {Extent{157, 203}, Extent{1, 1}, Extent{64, 31}, Extent{301, 99}})
    for (int side : {1, 7, 16, 40, 500}) {
      CAPTURE(image.height);
      CAPTURE(image.width);
      CAPTURE(side);
      check_grid(plan_tiles(config, image, side));
    }
  CHECK_THROWS_AS(plan_tiles(config, {10, 10}, 0), Error);
  CHECK_THROWS_AS(plan_tiles(config, {0, 10}, 8), Error);

  // The paper's network at 4000 x 3000 in a 4 GiB budget: tiles fit it.
  const double budget = 4096.0 * 1024 * 1024 - 2 * 12.0 * 4000 * 3000;
  const TileGrid g = plan_tiles_for_memory(NetworkConfig::paper(), {3000, 4000}, budget);
  check_grid(g);
  CHECK(g.count() > 1);
  CHECK(inference_bytes_per_pixel(NetworkConfig::paper()) * g.tile.height * g.tile.width <= budget);
  MESSAGE("paper network, 4000x3000 in 4 GiB: " << g.rows << "x" << g.cols << " tiles of "
                                                << g.tile.width << "x" << g.tile.height);
  // A budget too small for any sensible tile: interiors of twice the halo.
  const TileGrid small = plan_tiles_for_memory(NetworkConfig::paper(), {3000, 4000}, 1e6);
  check_grid(small);
  CHECK(small.interior.height == 2 * small.halo);
  // A budget that holds the whole image: one tile.
  CHECK(plan_tiles_for_memory(config, {50, 60}, 1e12).count() == 1);
}

TEST_CASE("tiled inference: tiles give the whole-image output (odd sizes, several tiles)") {
  const NetworkConfig config = NetworkConfig::tiny(8, {2, 4});
  Parameters p = initial_parameters(config, InitScheme::uniform_code, 11);
  test::randomise(p, 12);
  auto net = make_network(config, p);
  struct Case {
    int h, w, side;
  };
  for (const Case c : {Case{157, 203, 40}, Case{95, 141, 24}, Case{200, 67, 50}, Case{33, 250, 16},
                       Case{81, 81, 2}}) {
    CAPTURE(c.h);
    CAPTURE(c.w);
    CAPTURE(c.side);
    const Image<float> input =
        test::random_image(std::size_t(c.h), std::size_t(c.w), unsigned(c.h * 1000 + c.w));
    const Image<float> whole = net->infer(input);
    const TileGrid grid = plan_tiles(config, {c.h, c.w}, c.side);
    CHECK(grid.count() > 1);
    Image<float> tiled;
    infer_tiled(*net, input, grid, tiled);
    const Difference d = compare(tiled, whole);
    MESSAGE(c.w << "x" << c.h << ", " << grid.rows << "x" << grid.cols << " tiles of "
                << grid.tile.width << "x" << grid.tile.height << ": max |tiled - whole| = "
                << d.max_abs << " grey levels (output up to " << d.scale << ")");
    CHECK(d.max_abs <= 1e-4 * std::max(1.0, d.scale));
  }
}

TEST_CASE("tiled inference: a halo below the receptive field changes the result") {
  // The equality above is not an accident of a smooth network: with 2
  // pixels of context instead of 30, interiors near tile seams differ.
  const NetworkConfig config = NetworkConfig::tiny(8, {2, 4});
  Parameters p = initial_parameters(config, InitScheme::uniform_code, 11);
  test::randomise(p, 12);
  auto net = make_network(config, p);
  const Image<float> input = test::random_image(121, 133, 5);
  TileGrid grid = plan_tiles(config, {121, 133}, 40);
  grid.halo = 2;
  Image<float> tiled;
  infer_tiled(*net, input, grid, tiled);
  CHECK(compare(tiled, net->infer(input)).max_abs > 1e-2);
}

TEST_CASE("tiled inference: smooth_with_network tiles over the budget or on request, same output") {
  const NetworkConfig config = NetworkConfig::tiny(8, {1, 2});
  Parameters p = initial_parameters(config, InitScheme::uniform_code, 3);
  test::randomise(p, 4);
  auto net = make_network(config, p);
  const Image<float> input = test::random_image(211, 301, 9);
  InferenceReport whole_report;
  const Image<float> whole = smooth_with_network(*net, input, {}, &whole_report);
  CHECK_FALSE(whole_report.tiled);
  CHECK(whole_report.passes == 1);

  InferenceOptions forced;
  forced.tile = 30;
  InferenceReport r;
  const Image<float> tiled = smooth_with_network(*net, input, forced, &r);
  CHECK(r.tiled);
  CHECK(r.grid.count() > 1);
  CHECK(r.passes == config.num_layers());  // every layer but the last has BN, plus the final pass
  CHECK(compare(tiled, whole).max_abs <= 1e-3);

  // A budget below the whole-image estimate tiles automatically, in tiles
  // that fit it.
  InferenceOptions budget;
  budget.max_memory_bytes = std::size_t(whole_report.whole_image_bytes * 0.6);
  const Image<float> automatic = smooth_with_network(*net, input, budget, &r);
  CHECK(r.tiled);
  CHECK(r.grid.count() > 1);
  CHECK(r.estimated_bytes <= double(budget.max_memory_bytes));
  CHECK(compare(automatic, whole).max_abs <= 1e-3);

  InferenceOptions bad;
  bad.tile = -1;
  CHECK_THROWS_AS(smooth_with_network(*net, input, bad), Error);
}

namespace {

// An engine without tiling hooks (like the CUDA engine): the oneDNN engine
// behind the Network interface with supports_tiling() false and the base
// class's throwing forward_to_layer / infer_with_statistics.
class WholeImageOnly final : public Network {
 public:
  explicit WholeImageOnly(std::unique_ptr<Network> inner) : inner_(std::move(inner)) {}
  const NetworkConfig& config() const override { return inner_->config(); }
  EngineKind kind() const override { return EngineKind::cuda; }
  std::string engine_info() const override { return "whole images only"; }
  void set_parameters(const Parameters& p) override { inner_->set_parameters(p); }
  const Parameters& parameters() const override { return inner_->parameters(); }
  void infer(const Image<float>& in, Image<float>& out) override {
    ++whole_calls;
    inner_->infer(in, out);
  }
  void forward(const Image<float>& in, Image<float>& out) override { inner_->forward(in, out); }
  void backward(const Image<float>& g, Parameters& grads, Image<float>* gi) override {
    inner_->backward(g, grads, gi);
  }
  std::size_t workspace_bytes() const override { return inner_->workspace_bytes(); }
  void clear_cache() override { inner_->clear_cache(); }
  std::map<std::string, double> timings() const override { return inner_->timings(); }
  void reset_timings() override { inner_->reset_timings(); }
  int whole_calls = 0;

 private:
  std::unique_ptr<Network> inner_;
};

}  // namespace

TEST_CASE("tiled inference: engines without tiling run whole images and refuse a forced tile") {
  const NetworkConfig config = NetworkConfig::tiny(8, {1, 2});
  Parameters p = initial_parameters(config, InitScheme::uniform_code, 3);
  test::randomise(p, 4);
  auto cpu = make_network(config, p);
  CHECK(cpu->supports_tiling());
  WholeImageOnly net(make_network(config, p));
  CHECK_FALSE(net.supports_tiling());
  const Image<float> input = test::random_image(61, 47, 12);
  const Image<float> reference = smooth_with_network(*cpu, input, {});

  // A host-memory budget far below the estimate: still one whole-image pass.
  InferenceOptions budget;
  budget.max_memory_bytes = 1;
  InferenceReport r;
  const Image<float> t = smooth_with_network(net, input, budget, &r);
  CHECK_FALSE(r.tiled);
  CHECK(net.whole_calls == 1);
  CHECK(compare(t, reference).max_abs == 0);

  InferenceOptions forced;
  forced.tile = 16;
  CHECK_THROWS_WITH_AS(smooth_with_network(net, input, forced),
                       doctest::Contains("is not implemented by the cuda engine"), Error);
}
