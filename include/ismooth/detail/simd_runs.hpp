#pragma once
// Internal: contiguous runs of values processed in xsimd batches, the end of
// a run included, with one batch function (the flattening kernel's pair
// loop, flattening_kernel.hpp).

#include <array>
#include <cstddef>
#include <xsimd/xsimd.hpp>

namespace ismooth::detail {

/// The SIMD batch of the pair loop: the widest the compile flags allow
/// (ISMOOTH_SIMD_FLAGS, default AVX2+FMA: 8 floats or 4 doubles).
template <class Scalar>
using Batch = xsimd::batch<Scalar>;

/// The types below take the batch type V (Batch<Scalar>, or a wider batch
/// of a loop instantiated for a wider instruction set: flattening_kernel.hpp).
///
/// How a batch of a run touches memory. Runs are cut into whole batches
/// (unaligned loads and stores); the end of a run is one more whole batch
/// ending at the run's end, overlapping the one before: keep() zeroes the
/// lanes that batch already did, so a caller that masks its coefficients
/// with it adds nothing twice. A run shorter than a batch copies its lanes
/// through a buffer. One batch function serves all three.
template <class V>
struct WholeBatch {
  using batch_type = V;
  using Scalar = typename V::value_type;
  static V load(const Scalar* p) { return V::load_unaligned(p); }
  static void store(Scalar* p, const V& v) { v.store_unaligned(p); }
  static V keep(const V& v) { return v; }
};

/// The last batch of a run: lanes below `first` were done by the batch
/// before.
template <class V>
struct OverlappingBatch : WholeBatch<V> {
  using Scalar = typename V::value_type;
  typename V::batch_bool_type fresh;

  explicit OverlappingBatch(std::size_t first) : fresh(lane_index() >= V(Scalar(first))) {}
  V keep(const V& v) const { return xsimd::select(fresh, v, V(Scalar(0))); }

 private:
  static V lane_index() {
    alignas(64) std::array<Scalar, V::size> index;
    for (std::size_t k = 0; k < index.size(); ++k) index[k] = Scalar(k);
    return V::load_aligned(index.data());
  }
};

/// A run shorter than a batch: its `count` lanes; the others read as 0 and
/// are not written.
template <class V>
struct PartialBatch {
  using batch_type = V;
  using Scalar = typename V::value_type;
  std::size_t count;

  V load(const Scalar* p) const {
    alignas(64) std::array<Scalar, V::size> lanes{};
    for (std::size_t k = 0; k < count; ++k) lanes[k] = p[k];
    return V::load_aligned(lanes.data());
  }
  void store(Scalar* p, const V& v) const {
    alignas(64) std::array<Scalar, V::size> lanes;
    v.store_aligned(lanes.data());
    for (std::size_t k = 0; k < count; ++k) p[k] = lanes[k];
  }
  static V keep(const V& v) { return v; }
};

/// Calls f(x, lanes) for batches covering the run [0, n): x is the first
/// element of the batch, `lanes` one of the three types above.
template <class V, class F>
void for_each_batch(long n, F&& f) {
  constexpr long kLanes = long(V::size);
  if (n < kLanes) {
    if (n > 0) f(0L, PartialBatch<V>{std::size_t(n)});
    return;
  }
  long x = 0;
  for (; x + kLanes <= n; x += kLanes) f(x, WholeBatch<V>{});
  if (x < n) f(n - kLanes, OverlappingBatch<V>{std::size_t(x - (n - kLanes))});
}

}  // namespace ismooth::detail
