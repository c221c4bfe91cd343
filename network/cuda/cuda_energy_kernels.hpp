#pragma once
// Kernels of the CUDA smoothing energy (cuda_energy.hpp has the class that
// drives them). Host launchers only; plain C++. Images are planar (3, H, W)
// fp32 on 0–255 like Image<float>; maps are (H, W).
//
// One evaluation runs:
//   1. channel sum S;
//   2. edge response E(T), the edge term's residual u = B·(E − G) and the
//      undilated adaptive L2 mask (Eq. 8);
//   3. the 7×7 dilation (two separable passes), or the fixed mask;
//   4. per pixel: the data term and the flattening sum over the whole
//      (2r+1)² window (gathering the gradient of every ordered pair at its
//      centre, the value over half the window so each unordered pair counts
//      once), colour weights recomputed from YUV(I) on the fly;
//   5. the edge term's value and gradient.
// Values are reduced per block in double, in block order (deterministic).

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace ismooth::network::cuda {

/// What the kernels need besides T: constant per image and parameter set.
struct EnergyDeviceView {
  int height = 0, width = 0;
  const float* input = nullptr;     ///< I, (3, H, W)
  const float* yuv = nullptr;       ///< YUV(I), (3, H, W)
  const float* guidance = nullptr;  ///< G, (H, W)
  const std::uint8_t* edges = nullptr;       ///< B, (H, W)
  const std::uint8_t* fixed_mask = nullptr;  ///< M for fixed p maps, else null
  const float* spatial = nullptr;  ///< α·w^s per offset, (2r+1)² row-major
  int radius = 10;
  bool adaptive = true, dilate = true, clipped = false;
  double c1x6 = 0, c2x6 = 0, margin_x6 = 0;  ///< Eq. 8 thresholds × 6
  float p_large = 2, p_small = 0.8f, epsilon = 0, eps_p_large = 0, eps_p_small = 0;
  float colour_k = 50, colour_floor = 0.3f;
  double lambda_f = 1, lambda_e = 0.1;
  std::size_t edge_pixels = 0;  ///< N_e
};

/// Scratch per evaluation: S, E, u (floats), the two mask passes (bytes),
/// and the per-block partial sums.
struct EnergyScratch {
  float* s = nullptr;
  float* e = nullptr;
  float* u = nullptr;
  std::uint8_t* mask0 = nullptr;
  std::uint8_t* mask_rows = nullptr;
  std::uint8_t* mask = nullptr;
  double* partial = nullptr;  ///< energy_partial_doubles(pixels)
};

/// Threads per block of the per-pixel kernels.
inline constexpr int kEnergyThreads = 256;
inline std::size_t energy_blocks(std::size_t pixels) {
  return (pixels + kEnergyThreads - 1) / kEnergyThreads;
}
/// Partial sums: data, flatten, mask count, edge per block.
inline std::size_t energy_partial_doubles(std::size_t pixels) { return 4 * energy_blocks(pixels); }

/// Runs steps 1–5 on `t`; writes ∇E to `grad` (overwritten, may be null) and
/// the per-block partial sums (4 arrays of energy_blocks each: data,
/// flatten, mask count, edge sum of squares) to scratch.partial.
void launch_energy(const EnergyDeviceView& view, const float* t, float* grad,
                   const EnergyScratch& scratch, cudaStream_t stream);

}  // namespace ismooth::network::cuda
