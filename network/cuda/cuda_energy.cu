// Kernels of the CUDA smoothing energy (cuda_energy_kernels.hpp). Compiled
// with -fmad=false so the shared maths of ismooth/detail/pair_math.hpp rounds
// as on the CPU (needed for the L2 mask's exact tie rule).
#include <cstdint>

#include "cuda/cuda_energy_kernels.hpp"
#include "ismooth/detail/pair_math.hpp"

namespace ismooth::network::cuda {

namespace {

using detail::PairPenalty;

// Sums `v` over the block (kEnergyThreads threads) in a fixed tree order;
// thread 0 gets the total.
__device__ double block_sum(double v, double* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int stride = kEnergyThreads / 2; stride > 0; stride /= 2) {
    if (int(threadIdx.x) < stride) shared[threadIdx.x] += shared[threadIdx.x + stride];
    __syncthreads();
  }
  const double total = shared[0];
  __syncthreads();
  return total;
}

__global__ void channel_sum_kernel(const float* t, std::size_t n, float* s) {
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (k < n) s[k] = t[k] + t[n + k] + t[2 * n + k];  // channel_sum's order
}

__global__ void response_kernel(EnergyDeviceView v, const float* s, float* e, float* u,
                                std::uint8_t* mask0) {
  const std::size_t n = std::size_t(v.height) * v.width;
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (k >= n) return;
  const long y = long(k / v.width), x = long(k % v.width);
  const float ek = detail::edge_response_at(s, v.height, v.width, y, x);
  e[k] = ek;
  const float g = v.guidance[k];
  u[k] = v.edges[k] ? ek - g : 0.0f;
  if (v.adaptive) mask0[k] = std::uint8_t(detail::l2_mask_at(ek, g, v.c1x6, v.c2x6, v.margin_x6));
}

// Separable max filter of l2_mask.hpp's dilate(): rows (horizontal) then
// columns, radius r.
__global__ void dilate_kernel(const std::uint8_t* in, int h, int w, int r, bool horizontal,
                              std::uint8_t* out) {
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (k >= std::size_t(h) * w) return;
  const int y = int(k / w), x = int(k % w);
  std::uint8_t value = 0;
  if (horizontal) {
    for (int xx = max(0, x - r); xx <= min(w - 1, x + r) && !value; ++xx) value = in[y * w + xx];
  } else {
    for (int yy = max(0, y - r); yy <= min(h - 1, y + r) && !value; ++yy) value = in[yy * w + x];
  }
  out[k] = value;
}

// One thread per pixel i: data term, flattening value over half the window
// and gradient over all of it.
__global__ void flatten_kernel(EnergyDeviceView v, const float* t, const std::uint8_t* mask,
                               float* grad, double* partial) {
  __shared__ double shared[kEnergyThreads];
  const long h = v.height, w = v.width;
  const std::size_t n = std::size_t(h * w);
  const std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  double data = 0, flatten = 0, in_mask = 0;
  if (i < n) {
    const long y = long(i) / w, x = long(i) % w;
    const PairPenalty<float> large{v.p_large, v.epsilon, v.eps_p_large, v.clipped};
    const PairPenalty<float> small{v.p_small, v.epsilon, v.eps_p_small, v.clipped};
    const float ti[3] = {t[i], t[n + i], t[2 * n + i]};
    const float yi[3] = {v.yuv[i], v.yuv[n + i], v.yuv[2 * n + i]};
    const bool centre_i = v.edges[i] == 0;
    const float kl_i = float(centre_i && mask[i]), ks_i = float(centre_i && !mask[i]);
    in_mask = mask[i];
    float gsum[3] = {0, 0, 0};
    const int r = v.radius, side = 2 * r + 1;
    const bool want_grad = grad != nullptr;
    for (int dy = want_grad ? -r : 0; dy <= r; ++dy) {
      const long yy = y + dy;
      if (yy < 0 || yy >= h) continue;
      for (int dx = -r; dx <= r; ++dx) {
        const long xx = x + dx;
        if (xx < 0 || xx >= w || (dy == 0 && dx == 0)) continue;
        const bool half = dy > 0 || (dy == 0 && dx > 0);  // counts the value
        if (!want_grad && !half) continue;
        const std::size_t j = std::size_t(yy * w + xx);
        const bool centre_j = v.edges[j] == 0;
        const float kl = kl_i + float(centre_j && mask[j]);
        const float ks = ks_i + float(centre_j && !mask[j]);
        const float cl = kl != 0 ? v.spatial[(dy + r) * side + (dx + r)] * kl : 0.0f;
        float cs = 0;
        if (ks != 0) {
          // colour_row's order: Y, U, V squared differences summed.
          const float d0 = yi[0] - v.yuv[j], d1 = yi[1] - v.yuv[n + j],
                      d2 = yi[2] - v.yuv[2 * n + j];
          cs = detail::colour_weight(d0 * d0 + d1 * d1 + d2 * d2, v.colour_k, v.colour_floor) * ks;
        }
        if (cl == 0 && cs == 0) continue;
        for (int c = 0; c < 3; ++c) {
          const float d = ti[c] - t[c * n + j];
          float dl = 0, ds = 0, value = 0;
          if (cl != 0) value += cl * large.value(d, &dl);
          if (cs != 0) value += cs * small.value(d, &ds);
          if (half) flatten += value;
          gsum[c] += cl * dl + cs * ds;
        }
      }
    }
    const double inv3n = 1.0 / (3.0 * double(n));
    for (int c = 0; c < 3; ++c) {
      const float diff = ti[c] - v.input[c * n + i];
      data += double(diff) * double(diff);
      if (want_grad)
        grad[c * n + i] = float(2 * inv3n) * diff + float(v.lambda_f * inv3n) * gsum[c];
    }
  }
  const std::size_t blocks = gridDim.x;
  const double bd = block_sum(data, shared);
  const double bf = block_sum(flatten, shared);
  const double bm = block_sum(in_mask, shared);
  if (threadIdx.x == 0) {
    partial[blockIdx.x] = bd;
    partial[blocks + blockIdx.x] = bf;
    partial[2 * blocks + blockIdx.x] = bm;
  }
}

// The edge term: value Σ u², gradient (λ_e/(3 N_e))·Σ_{j∈N12(k)}
// sign(S_k − S_j)(u_k + u_j) added to all three channels (edge_term.hpp).
__global__ void edge_kernel(EnergyDeviceView v, const float* s, const float* u, float* grad,
                            double* partial) {
  __shared__ double shared[kEnergyThreads];
  const long h = v.height, w = v.width;
  const std::size_t n = std::size_t(h * w);
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  double sum = 0;
  if (k < n) {
    sum = double(u[k]) * double(u[k]);
    if (grad != nullptr && v.edge_pixels > 0) {
      const long y = long(k) / w, x = long(k) % w;
      const float sk = s[k];
      float acc = 0;
      for (int q = 0; q < 12; ++q) {
        int dy, dx;
        detail::n12_offset(q, dy, dx);
        const long yy = y + dy, xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const std::size_t j = std::size_t(yy * w + xx);
        const float sj = s[j];
        const float sign = float((sk > sj) - (sk < sj));
        acc += sign * (u[k] + u[j]);
      }
      const float dk = float(v.lambda_e / (3.0 * double(v.edge_pixels))) * acc;
      grad[k] += dk;
      grad[n + k] += dk;
      grad[2 * n + k] += dk;
    }
  }
  const double total = block_sum(sum, shared);
  if (threadIdx.x == 0) partial[3 * std::size_t(gridDim.x) + blockIdx.x] = total;
}

}  // namespace

void launch_energy(const EnergyDeviceView& view, const float* t, float* grad,
                   const EnergyScratch& scratch, cudaStream_t stream) {
  const std::size_t n = std::size_t(view.height) * view.width;
  const unsigned blocks = unsigned(energy_blocks(n));
  channel_sum_kernel<<<blocks, kEnergyThreads, 0, stream>>>(t, n, scratch.s);
  response_kernel<<<blocks, kEnergyThreads, 0, stream>>>(view, scratch.s, scratch.e, scratch.u,
                                                         scratch.mask0);
  const std::uint8_t* mask = view.fixed_mask;
  if (view.adaptive) {
    mask = scratch.mask0;
    if (view.dilate) {
      dilate_kernel<<<blocks, kEnergyThreads, 0, stream>>>(scratch.mask0, view.height, view.width,
                                                           3, true, scratch.mask_rows);
      dilate_kernel<<<blocks, kEnergyThreads, 0, stream>>>(scratch.mask_rows, view.height,
                                                           view.width, 3, false, scratch.mask);
      mask = scratch.mask;
    }
  }
  flatten_kernel<<<blocks, kEnergyThreads, 0, stream>>>(view, t, mask, grad, scratch.partial);
  edge_kernel<<<blocks, kEnergyThreads, 0, stream>>>(view, scratch.s, scratch.u, grad,
                                                     scratch.partial);
}

}  // namespace ismooth::network::cuda
