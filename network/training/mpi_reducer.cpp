// The MPI implementation of gradient_reducer.hpp, compiled only when
// ismooth is built with MPI (ISMOOTH_MPI). MPI_COMM_WORLD; the trainer's
// collectives are called from the main thread only (the data-preparation
// helper thread never calls MPI), hence MPI_THREAD_FUNNELED.
#include <mpi.h>

#include <cstdlib>

#include "ismooth/error.hpp"
#include "ismooth/network/gradient_reducer.hpp"
#include "training/launcher_environment.hpp"

namespace ismooth::network {

namespace {

class MpiReducer final : public GradientReducer {
 public:
  MpiReducer() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    // Errors end the job (the default handler) rather than return codes
    // that one rank would act on alone.
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiReducer() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::span<float> values) override {
    MPI_Allreduce(MPI_IN_PLACE, values.data(), int(values.size()), MPI_FLOAT, MPI_SUM,
                  MPI_COMM_WORLD);
  }
  void sum(std::span<double> values) override {
    MPI_Allreduce(MPI_IN_PLACE, values.data(), int(values.size()), MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
  }
  bool same_everywhere(std::uint64_t value) override {
    // max(v) = v and max(~v) = ~v on every rank ⇔ min(v) = max(v).
    std::uint64_t both[2] = {value, ~value};
    MPI_Allreduce(MPI_IN_PLACE, both, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return both[0] == value && both[1] == ~value;
  }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace

std::unique_ptr<GradientReducer> launched_reducer() {
  if (detail::mpi_launcher_size() == nullptr) return nullptr;
  return std::make_unique<MpiReducer>();
}

bool built_with_mpi() { return true; }

}  // namespace ismooth::network
