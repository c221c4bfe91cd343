#pragma once
// The smoothing energy (docs/spec/energy.md, smoothing_energy.hpp) evaluated on the GPU
// for the CUDA training path (private to ismooth::network; host C++ header).
//
// Built from a CPU SmoothingEnergy<float>: its input I, guidance G, edge map
// B, parameters and p map are uploaded once (with YUV(I) and the spatial
// weights); evaluate() then takes T on the device and writes ∇E there, so a
// training step needs no image copies. Same maths as the CPU energy through
// ismooth/detail/pair_math.hpp; differences are summation order only (tests:
// 1e-5 relative). Colour weights are recomputed per evaluation (no cache).

#include <cuda_runtime_api.h>

#include <memory>

#include "ismooth/smoothing_energy.hpp"

namespace ismooth::network::cuda {

class CudaSmoothingEnergy {
 public:
  /// Uploads what `energy` holds; `stream` orders every copy and kernel.
  /// Throws ismooth::Error if no device is usable.
  CudaSmoothingEnergy(const SmoothingEnergy<float>& energy, cudaStream_t stream = nullptr);
  ~CudaSmoothingEnergy();
  CudaSmoothingEnergy(const CudaSmoothingEnergy&) = delete;
  CudaSmoothingEnergy& operator=(const CudaSmoothingEnergy&) = delete;

  /// Replaces the image and parameters (reuses the buffers at the same size).
  void assign(const SmoothingEnergy<float>& energy);

  int height() const;
  int width() const;
  /// I on the device, (3, H, W) planar fp32.
  const float* device_input() const;

  /// All terms at T (device, (3, H, W)); writes ∇E to `grad` (device,
  /// overwritten) if not null. Synchronises the stream (to read the sums).
  EnergyTerms evaluate(const float* t, float* grad);

  /// Host convenience for tests: uploads T, adds ∇E to *g if given (like
  /// SmoothingEnergy::evaluate_terms).
  EnergyTerms evaluate_terms(const Image<float>& t, Image<float>* g = nullptr);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ismooth::network::cuda
