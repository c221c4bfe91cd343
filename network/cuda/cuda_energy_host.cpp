// Host side of the CUDA smoothing energy (cuda_energy.hpp).
#include "cuda/cuda_energy.hpp"

#include <cmath>
#include <vector>

#include "cuda/cuda_common.hpp"
#include "cuda/cuda_energy_kernels.hpp"

namespace ismooth::network::cuda {

struct CudaSmoothingEnergy::State {
  cudaStream_t stream = nullptr;
  EnergyDeviceView view;
  EnergyParams params;
  DeviceBuffer input, yuv, guidance, edges, fixed_mask, spatial;
  DeviceBuffer s, e, u, mask0, mask_rows, mask, partial, t_host_upload, g_host_download;
  std::vector<double> partial_host;
};

CudaSmoothingEnergy::CudaSmoothingEnergy(const SmoothingEnergy<float>& energy, cudaStream_t stream)
    : state_(std::make_unique<State>()) {
  const std::string problem = cuda_device_problem();
  if (!problem.empty()) fail("CudaSmoothingEnergy: ", problem);
  state_->stream = stream;
  assign(energy);
}

CudaSmoothingEnergy::~CudaSmoothingEnergy() = default;

namespace {

template <class T>
void upload(DeviceBuffer& buffer, const T* data, std::size_t count, cudaStream_t stream) {
  buffer.resize(count * sizeof(T));
  check_cuda(cudaMemcpyAsync(buffer.get(), data, count * sizeof(T), cudaMemcpyHostToDevice, stream),
             "CudaSmoothingEnergy: upload");
}

}  // namespace

void CudaSmoothingEnergy::assign(const SmoothingEnergy<float>& energy) {
  State& st = *state_;
  const EnergyParams& p = energy.params();
  const Image<float>& input = energy.input();
  const int h = int(ismooth::height(input)), w = int(ismooth::width(input));
  const std::size_t n = std::size_t(h) * w;
  const FlatteningTerm<float>& flat = energy.flattening_term();
  const PMap& pmap = flat.pmap();
  st.params = p;

  upload(st.input, input.data(), 3 * n, st.stream);
  const Image<float> yuv = rgb_to_yuv(input);
  upload(st.yuv, yuv.data(), 3 * n, st.stream);
  upload(st.guidance, energy.edge_term().guidance().data(), n, st.stream);
  upload(st.edges, energy.edge_term().edges().data(), n, st.stream);
  const bool adaptive = pmap.kind == PMapKind::adaptive;
  Mask fixed;
  if (!adaptive) {
    fixed = flat.l2_mask(input);  // the fixed map ignores T
    upload(st.fixed_mask, fixed.data(), n, st.stream);
  }
  // α·w^s per offset of the full window, as the CPU kernel rounds it:
  // float(exp(−|o|²/(2σ_s²))) then α·w^s in float.
  const int r = p.radius, side = 2 * r + 1;
  const double ks = 1.0 / (2.0 * p.sigma_s * p.sigma_s);
  std::vector<float> spatial(std::size_t(side) * side);
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx)
      spatial[std::size_t(dy + r) * side + (dx + r)] =
          float(p.alpha) * float(std::exp(-(dy * dy + dx * dx) * ks));
  upload(st.spatial, spatial.data(), spatial.size(), st.stream);

  st.s.resize(n * sizeof(float));
  st.e.resize(n * sizeof(float));
  st.u.resize(n * sizeof(float));
  st.mask0.resize(n);
  st.mask_rows.resize(n);
  st.mask.resize(n);
  st.partial.resize(energy_partial_doubles(n) * sizeof(double));
  st.partial_host.resize(energy_partial_doubles(n));

  EnergyDeviceView& v = st.view;
  v.height = h;
  v.width = w;
  v.input = st.input.as<float>();
  v.yuv = st.yuv.as<float>();
  v.guidance = st.guidance.as<float>();
  v.edges = st.edges.as<std::uint8_t>();
  v.fixed_mask = adaptive ? nullptr : st.fixed_mask.as<std::uint8_t>();
  v.spatial = st.spatial.as<float>();
  v.radius = r;
  v.adaptive = adaptive;
  v.dilate = p.dilate;
  v.clipped = p.gradient == GradientMode::clipped;
  v.c1x6 = 6 * p.c1;
  v.c2x6 = 6 * p.c2;
  v.margin_x6 = 6 * p.zero_guidance_margin;
  v.p_large = float(p.p_large);
  v.p_small = float(p.p_small);
  v.epsilon = float(p.epsilon);
  v.eps_p_large = std::pow(float(p.epsilon), float(p.p_large));
  v.eps_p_small = std::pow(float(p.epsilon), float(p.p_small));
  v.colour_k = float(1.0 / (2.0 * p.sigma_r * p.sigma_r));
  v.colour_floor = float(p.colour_weight_floor);
  v.lambda_f = p.lambda_f;
  v.lambda_e = p.lambda_e;
  v.edge_pixels = energy.edge_term().edge_pixels();
  // `yuv` and `fixed` die here: finish the copies first.
  check_cuda(cudaStreamSynchronize(st.stream), "CudaSmoothingEnergy: upload");
}

int CudaSmoothingEnergy::height() const { return state_->view.height; }
int CudaSmoothingEnergy::width() const { return state_->view.width; }
const float* CudaSmoothingEnergy::device_input() const { return state_->input.as<float>(); }

EnergyTerms CudaSmoothingEnergy::evaluate(const float* t, float* grad) {
  State& st = *state_;
  const std::size_t n = std::size_t(st.view.height) * st.view.width;
  EnergyScratch scratch;
  scratch.s = st.s.as<float>();
  scratch.e = st.e.as<float>();
  scratch.u = st.u.as<float>();
  scratch.mask0 = st.mask0.as<std::uint8_t>();
  scratch.mask_rows = st.mask_rows.as<std::uint8_t>();
  scratch.mask = st.mask.as<std::uint8_t>();
  scratch.partial = st.partial.as<double>();
  launch_energy(st.view, t, grad, scratch, st.stream);
  check_cuda(cudaGetLastError(), "CudaSmoothingEnergy::evaluate: kernel launch");
  check_cuda(cudaMemcpyAsync(st.partial_host.data(), scratch.partial,
                             st.partial_host.size() * sizeof(double), cudaMemcpyDeviceToHost,
                             st.stream),
             "CudaSmoothingEnergy::evaluate: partial sums");
  check_cuda(cudaStreamSynchronize(st.stream), "CudaSmoothingEnergy::evaluate");
  const std::size_t blocks = energy_blocks(n);
  double sums[4] = {0, 0, 0, 0};
  for (int term = 0; term < 4; ++term)
    for (std::size_t b = 0; b < blocks; ++b) sums[term] += st.partial_host[term * blocks + b];
  EnergyTerms terms;
  const double inv3n = 1.0 / (3.0 * double(n));
  terms.data = sums[0] * inv3n;
  terms.flatten = sums[1] * inv3n;
  terms.edge_pixels = st.view.edge_pixels;
  terms.edge = st.view.edge_pixels > 0 ? sums[3] / double(st.view.edge_pixels) : 0.0;
  terms.l2_fraction = sums[2] / double(n);
  terms.total = terms.data + st.params.lambda_f * terms.flatten + st.params.lambda_e * terms.edge;
  return terms;
}

EnergyTerms CudaSmoothingEnergy::evaluate_terms(const Image<float>& t, Image<float>* g) {
  State& st = *state_;
  require(ismooth::height(t) == std::size_t(st.view.height) && ismooth::width(t) == std::size_t(st.view.width) &&
              t.shape()[0] == kChannels,
          "CudaSmoothingEnergy::evaluate_terms: T is ", ismooth::width(t), "x", ismooth::height(t),
          " but the energy's image is ", st.view.width, "x", st.view.height);
  const std::size_t count = t.size();
  upload(st.t_host_upload, t.data(), count, st.stream);
  float* grad = nullptr;
  if (g != nullptr) {
    st.g_host_download.resize(count * sizeof(float));
    grad = st.g_host_download.as<float>();
  }
  const EnergyTerms terms = evaluate(st.t_host_upload.as<float>(), grad);
  if (g != nullptr) {
    check_same_size(*g, "CudaSmoothingEnergy::evaluate_terms: g", t, "T");
    std::vector<float> host(count);
    check_cuda(cudaMemcpy(host.data(), grad, count * sizeof(float), cudaMemcpyDeviceToHost),
               "CudaSmoothingEnergy::evaluate_terms: gradient");
    for (std::size_t k = 0; k < count; ++k) g->data()[k] += host[k];
  }
  return terms;
}

}  // namespace ismooth::network::cuda
