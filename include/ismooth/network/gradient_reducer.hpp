#pragma once
/// \file
/// The trainer's view of the processes that train together (data
/// parallelism, docs/network.md "Training on several machines"): R ranks
/// each compute the gradients of their share of a step's crops, one in-place
/// sum over the ranks combines them, and every rank applies the same Adam
/// update. This interface is all the trainer knows of MPI: the MPI
/// implementation is compiled only when ismooth is built with MPI
/// (ISMOOTH_MPI), so train_network has no #ifdef.
///
///     std::unique_ptr<GradientReducer> ranks = launched_reducer();  // null: alone
///     TrainerOptions o;  o.reducer = ranks.get();

#include <cstdint>
#include <memory>
#include <span>

namespace ismooth::network {

class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  virtual int rank() const = 0;  ///< 0 … size() − 1; rank 0 writes the files
  virtual int size() const = 0;  ///< R, the number of ranks
  /// In place on every rank: `values` becomes the element-wise sum over the
  /// ranks (a collective: every rank calls it with the same length).
  virtual void sum(std::span<float> values) = 0;
  virtual void sum(std::span<double> values) = 0;
  /// True on every rank if every rank passed the same `value` (a collective).
  virtual bool same_everywhere(std::uint64_t value) = 0;
  /// Ends every rank at once with `code` (MPI_Abort): for an error on one
  /// rank, which would otherwise leave the others waiting in a collective.
  [[noreturn]] virtual void abort(int code) = 0;
};

/// The ranks of this process's MPI job when it was started by mpirun (Open
/// MPI's or another's launcher environment), with MPI initialised; nullptr
/// when it was not (train alone). Throws ismooth::Error when started by
/// mpirun but built without MPI, rather than let R processes each train the
/// whole run and overwrite each other's files. The MPI library is finalised
/// when the reducer is destroyed.
std::unique_ptr<GradientReducer> launched_reducer();

/// Whether this build has the MPI implementation (ISMOOTH_MPI).
bool built_with_mpi();

}  // namespace ismooth::network
