#pragma once
/// \file
/// Inference in overlapping tiles that reproduces the whole-image result,
/// for images whose activations do not fit in memory.
///
/// Per-image batch normalisation takes its statistics over the whole image,
/// so independent tiles would normalise differently. Instead, for each BN
/// layer in order, one *pass* streams over the tiles, runs the layers up to
/// that one (earlier BN layers normalising with the whole-image statistics
/// already found) and accumulates the layer's per-channel sums over the tile
/// **interiors**, which partition the image; a final pass writes the
/// interiors of the output. A tile is its interior plus a halo of at least
/// the receptive-field radius of the network (receptive_field_radius), so
/// every interior pixel sees exactly what it sees in the whole image; where
/// a tile meets the image border the zero padding is the whole image's own.
///
/// Alignment: tile origins and interior boundaries are even, and a tile that
/// is not flush with the far border has the parity of the image there, so
/// the stride-2 layer, the half-resolution layers and the transposed
/// convolution's odd-size crop line up with the whole image's.
///
/// Sums are shifted by a per-channel value (the first tile's interior mean)
/// and accumulated in double, per row, then across rows and tiles with
/// Neumaier compensation: the statistics agree with the engine's whole-image
/// ones to float rounding, and outputs to ~1e-5 grey levels.
///
/// Cost: one pass per BN layer, each running the layers up to it, so about
/// L/2 forward passes (≈ 13 for the paper's 26 layers) times the halo's
/// overhead (tile area / interior area). Memory: one tile's activations.

#include <cstddef>
#include <vector>

#include "ismooth/image.hpp"
#include "ismooth/network/network.hpp"

namespace ismooth::network {

/// How an image is cut into tiles. Along each axis, interior k is
/// [k·interior, min((k + 1)·interior, size)) and its tile starts at
/// clamp(k·interior − halo, 0, size − tile) and is `tile` pixels long.
struct TileGrid {
  Extent image;            ///< the whole image
  Extent tile;             ///< every tile's extent, halo included (≤ image)
  Extent interior;         ///< interior stride along each axis (even)
  int halo = 0;            ///< pixels of context on each side (even, ≥ the radius)
  int rows = 1, cols = 1;  ///< number of tiles along y and x

  int count() const { return rows * cols; }
  /// First row (column) of the tile covering interior k along y (x).
  int origin_y(int k) const;
  int origin_x(int k) const;
};

/// Tiles with interiors of `interior_side` pixels (rounded up to even)
/// along both axes, halo from the receptive field of `config`. Throws
/// ismooth::Error for an empty image or interior_side < 1.
TileGrid plan_tiles(const NetworkConfig& config, Extent image, int interior_side);

/// The tiling with the least total tile area whose tiles each take at most
/// `tile_bytes` (inference_bytes_per_pixel × tile pixels); if none fits,
/// tiles with interiors of max(2 × halo, 256) pixels (the memory then
/// exceeds the budget; InferenceReport::estimated_bytes tells by how much).
TileGrid plan_tiles_for_memory(const NetworkConfig& config, Extent image, double tile_bytes);

/// T255 of `input` (3, H, W, 0–255) through `net`, tile by tile per `grid`
/// (grid.image must be the input's extent). The same result as
/// net.infer(input) up to float rounding. Throws ismooth::Error if the engine
/// does not support tiled inference.
void infer_tiled(Network& net, const Image<float>& input, const TileGrid& grid,
                 Image<float>& output);

/// The whole-image statistics of every BN layer, as infer_tiled computes
/// them (one entry per layer; empty for layers without BN). For tests.
std::vector<BatchNormStatistics> tiled_statistics(Network& net, const Image<float>& input,
                                                  const TileGrid& grid);

}  // namespace ismooth::network
