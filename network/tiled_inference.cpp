// Tiled inference with whole-image batch-norm statistics
// (tiled_inference.hpp).
#include "ismooth/network/tiled_inference.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ismooth/error.hpp"
#include "ismooth/network/inference.hpp"

namespace ismooth::network {

namespace {

int even_up(int v) { return v + (v & 1); }

// Smallest tile interior used when no tiling meets the memory budget.
constexpr int kFallbackInterior = 256;

struct Axis {
  int interior = 0, tile = 0, count = 1;
};

// Tiles along one axis of `size` pixels with interiors of `interior`.
Axis plan_axis(int size, int interior, int halo) {
  interior = even_up(std::max(interior, 2));
  // One tile when the halo would cover the axis anyway.
  if (interior >= size || interior + 2 * halo >= size) return {even_up(size), size, 1};
  int tile = interior + 2 * halo;
  // A tile flush with the far border starts at size − tile: even when the
  // tile has the axis' parity.
  if ((size - tile) % 2 != 0) ++tile;
  return {interior, tile, (size + interior - 1) / interior};
}

int halo_of(const NetworkConfig& config) {
  const std::vector<LayerSpec> layers = describe_layers(config);
  return even_up(receptive_field_radius(layers, layers.size() - 1));
}

TileGrid make_grid(Extent image, const Axis& y, const Axis& x, int halo) {
  TileGrid g;
  g.image = image;
  g.tile = {y.tile, x.tile};
  g.interior = {y.interior, x.interior};
  g.halo = halo;
  g.rows = y.count;
  g.cols = x.count;
  return g;
}

void check_grid(const TileGrid& grid, const Image<float>& input, const char* caller) {
  check_image(input, caller);
  require(grid.image == Extent{int(height(input)), int(width(input))}, caller,
          ": the tile grid is for ", grid.image.width, "x", grid.image.height, ", the image is ",
          width(input), "x", height(input));
  require(grid.rows >= 1 && grid.cols >= 1 && grid.tile.height >= 1 && grid.tile.width >= 1 &&
              grid.tile.height <= grid.image.height && grid.tile.width <= grid.image.width,
          caller, ": invalid tile grid");
}

// A rectangle [y0, y1) × [x0, x1).
struct Rect {
  int y0, y1, x0, x1;
};

// Tile (i, j): where it starts in the image, and its interior in tile
// coordinates at full resolution.
struct TilePlace {
  int oy, ox;
  Rect interior;
};

TilePlace place(const TileGrid& g, int i, int j) {
  TilePlace p;
  p.oy = g.origin_y(i);
  p.ox = g.origin_x(j);
  const int ay = i * g.interior.height, by = std::min(ay + g.interior.height, g.image.height);
  const int ax = j * g.interior.width, bx = std::min(ax + g.interior.width, g.image.width);
  p.interior = {ay - p.oy, by - p.oy, ax - p.ox, bx - p.ox};
  return p;
}

// The interior at half resolution: the boundaries are even except at the
// image's far border, where ⌈·/2⌉ gives the tile's half extent.
Rect halve(const Rect& r) { return {r.y0 / 2, (r.y1 + 1) / 2, r.x0 / 2, (r.x1 + 1) / 2}; }

void extract_tile(const Image<float>& input, const TileGrid& g, const TilePlace& p,
                  Image<float>& tile) {
  const std::size_t th = std::size_t(g.tile.height), tw = std::size_t(g.tile.width);
  tile.resize(Image<float>::shape_type{kChannels, th, tw});
  const std::size_t w = width(input), plane = height(input) * w;
  for (std::size_t c = 0; c < kChannels; ++c)
    for (std::size_t y = 0; y < th; ++y) {
      const float* src = input.data() + c * plane + (std::size_t(p.oy) + y) * w + std::size_t(p.ox);
      std::copy_n(src, tw, tile.data() + (c * th + y) * tw);
    }
}

// sum += v with Neumaier's compensation term in `comp`.
void add_compensated(double& sum, double& comp, double v) {
  const double t = sum + v;
  comp += std::abs(sum) >= std::abs(v) ? (sum - t) + v : (v - t) + sum;
  sum = t;
}

// Per-channel sums of (x − shift) and (x − shift)² over the tiles' interiors.
class ChannelSums {
 public:
  explicit ChannelSums(int channels)
      : c_(std::size_t(channels)), shift_(c_), s_(c_), sc_(c_), q_(c_), qc_(c_) {}

  bool has_shift() const { return count_ > 0; }

  // The shift: the mean of the first region, so the sums stay small.
  void set_shift(const ActivationView& v, const Rect& r) {
    std::fill(shift_.begin(), shift_.end(), 0.0);
    row_sums(v, r);
    const double n = double(r.y1 - r.y0) * double(r.x1 - r.x0);
    for (std::size_t k = 0; k < c_; ++k) {
      double s = 0;
      for (int y = r.y0; y < r.y1; ++y) s += rows_[std::size_t(y - r.y0) * 2 * c_ + k];
      shift_[k] = s / n;
    }
  }

  void add(const ActivationView& v, const Rect& r) {
    row_sums(v, r);
    for (int y = r.y0; y < r.y1; ++y) {
      const double* row = rows_.data() + std::size_t(y - r.y0) * 2 * c_;
      for (std::size_t k = 0; k < c_; ++k) {
        add_compensated(s_[k], sc_[k], row[k]);
        add_compensated(q_[k], qc_[k], row[c_ + k]);
      }
    }
    count_ += double(r.y1 - r.y0) * double(r.x1 - r.x0);
  }

  BatchNormStatistics statistics(float eps) const {
    BatchNormStatistics st;
    st.mean.resize(c_);
    st.inv_std.resize(c_);
    for (std::size_t k = 0; k < c_; ++k) {
      const double m = (s_[k] + sc_[k]) / count_;
      const double var = std::max(0.0, (q_[k] + qc_[k]) / count_ - m * m);
      st.mean[k] = static_cast<float>(shift_[k] + m);
      st.inv_std[k] = static_cast<float>(1.0 / std::sqrt(var + double(eps)));
    }
    return st;
  }

 private:
  // rows_[(y − y0)·2C + k] = Σ_x (v − shift_k), then C entries of Σ (v − shift_k)².
  void row_sums(const ActivationView& v, const Rect& r) {
    const int rows = r.y1 - r.y0;
    rows_.assign(std::size_t(rows) * 2 * c_, 0.0);
    const std::size_t vw = std::size_t(v.extent.width);
#pragma omp parallel for schedule(static)
    for (int y = r.y0; y < r.y1; ++y) {
      double* s = rows_.data() + std::size_t(y - r.y0) * 2 * c_;
      double* q = s + c_;
      for (int x = r.x0; x < r.x1; ++x) {
        const float* p = v.data + (std::size_t(y) * vw + std::size_t(x)) * c_;
        for (std::size_t k = 0; k < c_; ++k) {
          const double d = double(p[k]) - shift_[k];
          s[k] += d;
          q[k] += d * d;
        }
      }
    }
  }

  std::size_t c_;
  std::vector<double> shift_, s_, sc_, q_, qc_, rows_;
  double count_ = 0;
};

template <class Visit>
void for_each_tile(const TileGrid& g, Visit visit) {
  for (int i = 0; i < g.rows; ++i)
    for (int j = 0; j < g.cols; ++j) visit(place(g, i, j));
}

}  // namespace

int TileGrid::origin_y(int k) const {
  return std::clamp(k * interior.height - halo, 0, image.height - tile.height);
}

int TileGrid::origin_x(int k) const {
  return std::clamp(k * interior.width - halo, 0, image.width - tile.width);
}

TileGrid plan_tiles(const NetworkConfig& config, Extent image, int interior_side) {
  require(image.height >= 1 && image.width >= 1, "plan_tiles: empty image ", image.width, "x",
          image.height);
  require(interior_side >= 1, "plan_tiles: interior side must be at least 1, got ", interior_side);
  const int halo = halo_of(config);
  return make_grid(image, plan_axis(image.height, interior_side, halo),
                   plan_axis(image.width, interior_side, halo), halo);
}

TileGrid plan_tiles_for_memory(const NetworkConfig& config, Extent image, double tile_bytes) {
  require(image.height >= 1 && image.width >= 1, "plan_tiles_for_memory: empty image ", image.width,
          "x", image.height);
  const int halo = halo_of(config);
  const double max_pixels = tile_bytes / inference_bytes_per_pixel(config);
  // Interiors narrower than twice the halo are never worth it: the tiles
  // would be mostly halo.
  const int smallest = std::max(2, 2 * halo);
  double best_area = std::numeric_limits<double>::infinity();
  int best_count = 0;
  TileGrid best;
  bool found = false;
  int previous_rows = 0;
  for (int ny = 1;; ++ny) {
    const Axis y = plan_axis(image.height, (image.height + ny - 1) / ny, halo);
    if (y.interior < smallest && ny > 1) break;
    if (y.count == previous_rows) continue;
    previous_rows = y.count;
    if (double(y.tile) > max_pixels) continue;
    int previous_cols = 0;
    for (int nx = 1;; ++nx) {
      const Axis x = plan_axis(image.width, (image.width + nx - 1) / nx, halo);
      if (x.interior < smallest && nx > 1) break;
      if (x.count == previous_cols) continue;
      previous_cols = x.count;
      if (double(y.tile) * x.tile > max_pixels) continue;
      const double area = double(y.count) * x.count * y.tile * x.tile;
      if (area < best_area || (area == best_area && y.count * x.count < best_count)) {
        best_area = area;
        best_count = y.count * x.count;
        best = make_grid(image, y, x, halo);
        found = true;
      }
      break;  // more columns only add area
    }
  }
  if (found) return best;
  // Over budget whatever we do: tiles still big enough that the time stays
  // reasonable (a network with a small halo would otherwise get thousands).
  const int fallback = std::max(smallest, kFallbackInterior);
  return make_grid(image, plan_axis(image.height, fallback, halo),
                   plan_axis(image.width, fallback, halo), halo);
}

std::vector<BatchNormStatistics> tiled_statistics(Network& net, const Image<float>& input,
                                                  const TileGrid& grid) {
  check_grid(grid, input, "tiled_statistics");
  const std::vector<LayerSpec> layers = describe_layers(net.config());
  std::vector<BatchNormStatistics> stats(layers.size());
  Image<float> tile;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerSpec& spec = layers[l];
    if (!spec.batch_norm()) continue;
    // The stride-2 layer and the blocks run at half resolution; the
    // transposed convolution brings back the full one.
    const bool half = spec.kind != LayerKind::transposed_convolution &&
                      (spec.stride == 2 || spec.half_resolution_input);
    ChannelSums sums(net.config().width);
    for_each_tile(grid, [&](const TilePlace& p) {
      extract_tile(input, grid, p, tile);
      const ActivationView v = net.forward_to_layer(tile, stats, l);
      const Rect r = half ? halve(p.interior) : p.interior;
      require(r.y1 <= v.extent.height && r.x1 <= v.extent.width,
              "tiled_statistics: internal error, interior outside the tile");
      if (!sums.has_shift()) sums.set_shift(v, r);
      sums.add(v, r);
    });
    stats[l] = sums.statistics(net.config().batch_norm_epsilon);
  }
  return stats;
}

void infer_tiled(Network& net, const Image<float>& input, const TileGrid& grid,
                 Image<float>& output) {
  const std::vector<BatchNormStatistics> stats = tiled_statistics(net, input, grid);
  output.resize(input.shape());
  const std::size_t w = width(input), plane = height(input) * w;
  const std::size_t tw = std::size_t(grid.tile.width);
  const std::size_t tplane = std::size_t(grid.tile.height) * tw;
  Image<float> tile, tile_out;
  for_each_tile(grid, [&](const TilePlace& p) {
    extract_tile(input, grid, p, tile);
    net.infer_with_statistics(tile, stats, tile_out);
    const Rect& r = p.interior;
    for (std::size_t c = 0; c < kChannels; ++c)
      for (int y = r.y0; y < r.y1; ++y)
        std::copy_n(
            tile_out.data() + c * tplane + std::size_t(y) * tw + std::size_t(r.x0), r.x1 - r.x0,
            output.data() + c * plane + std::size_t(p.oy + y) * w + std::size_t(p.ox + r.x0));
  });
}

}  // namespace ismooth::network
