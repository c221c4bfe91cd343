#pragma once
// Error checks and device memory of the CUDA engine (private to
// ismooth::network; host C++ only).

#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "ismooth/error.hpp"

namespace ismooth::network::cuda {

/// Throws ismooth::Error naming `what` and CUDA's message unless ok.
inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    fail(what, ": CUDA error ", int(status), " (", cudaGetErrorName(status), "): ",
         cudaGetErrorString(status));
}

/// Empty string if a CUDA device can be used, else why not.
inline std::string cuda_device_problem() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky error of a failed probe
    return std::string("no CUDA device present: ") + cudaGetErrorString(status);
  }
  if (count == 0) return "no CUDA device present: cudaGetDeviceCount found none";
  return {};
}

/// Device allocation of `bytes` (freed in the destructor); contents undefined.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) { resize(bytes); }
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      ptr_ = std::exchange(other.ptr_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  /// Reallocates when `bytes` differs from the current size.
  void resize(std::size_t bytes) {
    if (bytes == bytes_) return;
    reset();
    if (bytes > 0) check_cuda(cudaMalloc(&ptr_, bytes), "cudaMalloc");
    bytes_ = bytes;
  }
  void reset() {
    if (ptr_ != nullptr) cudaFree(ptr_);
    ptr_ = nullptr;
    bytes_ = 0;
  }
  void* get() const { return ptr_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  std::size_t bytes() const { return bytes_; }
  explicit operator bool() const { return ptr_ != nullptr; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace ismooth::network::cuda
