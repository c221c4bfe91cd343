#pragma once
// Internal: contiguous runs of values processed in xsimd batches, the end of
// a run included, with one batch function (the flattening kernel's pair
// loop, flattening_kernel.hpp).

#include <algorithm>
#include <array>
#include <cstddef>
#include <xsimd/xsimd.hpp>

namespace ismooth::detail {

/// The SIMD batch of the pair loop: the widest the compile flags allow
/// (ISMOOTH_SIMD_FLAGS, default AVX2+FMA: 8 floats or 4 doubles).
template <class Scalar>
using Batch = xsimd::batch<Scalar>;

/// How a batch of a run touches memory. Runs are cut into whole batches
/// (unaligned loads and stores); the end of a run is one more whole batch
/// ending at the run's end, overlapping the one before: keep() zeroes the
/// lanes that batch already did, so a caller that masks its coefficients
/// with it adds nothing twice. A run shorter than a batch copies its lanes
/// through a buffer. One batch function serves all three.
template <class Scalar>
struct WholeBatch {
  static Batch<Scalar> load(const Scalar* p) { return Batch<Scalar>::load_unaligned(p); }
  static void store(Scalar* p, const Batch<Scalar>& v) { v.store_unaligned(p); }
  static Batch<Scalar> keep(const Batch<Scalar>& v) { return v; }
};

/// The last batch of a run: lanes below `first` were done by the batch
/// before.
template <class Scalar>
struct OverlappingBatch : WholeBatch<Scalar> {
  xsimd::batch_bool<Scalar> fresh;

  explicit OverlappingBatch(std::size_t first) : fresh(lane_index() >= Scalar(first)) {}
  Batch<Scalar> keep(const Batch<Scalar>& v) const {
    return xsimd::select(fresh, v, Batch<Scalar>(Scalar(0)));
  }

 private:
  static Batch<Scalar> lane_index() {
    alignas(64) std::array<Scalar, Batch<Scalar>::size> index;
    for (std::size_t k = 0; k < index.size(); ++k) index[k] = Scalar(k);
    return Batch<Scalar>::load_aligned(index.data());
  }
};

/// A run shorter than a batch: its `count` lanes; the others read as 0 and
/// are not written.
template <class Scalar>
struct PartialBatch {
  std::size_t count;

  Batch<Scalar> load(const Scalar* p) const {
    alignas(64) std::array<Scalar, Batch<Scalar>::size> lanes{};
    std::copy(p, p + count, lanes.data());
    return Batch<Scalar>::load_aligned(lanes.data());
  }
  void store(Scalar* p, const Batch<Scalar>& v) const {
    alignas(64) std::array<Scalar, Batch<Scalar>::size> lanes;
    v.store_aligned(lanes.data());
    std::copy(lanes.data(), lanes.data() + count, p);
  }
  static Batch<Scalar> keep(const Batch<Scalar>& v) { return v; }
};

/// Calls f(x, lanes) for batches covering the run [0, n): x is the first
/// element of the batch, `lanes` one of the three types above.
template <class Scalar, class F>
void for_each_batch(long n, F&& f) {
  constexpr long kLanes = long(Batch<Scalar>::size);
  if (n < kLanes) {
    if (n > 0) f(0L, PartialBatch<Scalar>{std::size_t(n)});
    return;
  }
  long x = 0;
  for (; x + kLanes <= n; x += kLanes) f(x, WholeBatch<Scalar>{});
  if (x < n) f(n - kLanes, OverlappingBatch<Scalar>{std::size_t(x - (n - kLanes))});
}

}  // namespace ismooth::detail
