#pragma once
// Where the work runs: --device (the network engine) and --threads (OpenMP),
// shared by `ismooth smooth`, `train`, `solve` and `experiment`.

#include <CLI/CLI.hpp>
#include <string>

#include "ismooth/network/network.hpp"

namespace ismooth::cli {

/// The engine of a `--device` flag: cpu (oneDNN) or cuda. Throws
/// ismooth::Error, before any work, for another name or when the engine
/// cannot run here (no CUDA build, no GPU), with the reason.
network::EngineOptions engine_for_device(const std::string& device);

/// Adds `--device cpu|cuda` (stored in `device`) to `cmd`.
CLI::Option* add_device_option(
    CLI::App& cmd, std::string& device,
    const std::string& help = "cpu (oneDNN; default) or cuda (needs a CUDA build and a GPU)");

/// The values of --threads, as typed (parsed by apply_threads).
struct ThreadsOption {
  std::string text;  ///< empty: OMP_NUM_THREADS or all cores
  /// The least count accepted; 0 means "the default", as if not given.
  int minimum = 0;
};

/// Adds `--threads N` to `cmd`.
CLI::Option* add_threads_option(
    CLI::App& cmd, ThreadsOption& threads,
    const std::string& help = "OpenMP threads (default: OMP_NUM_THREADS or all)");

/// Sets OpenMP's thread count from --threads, if given and not 0. Throws
/// ismooth::Error for a value that is not an integer ≥ threads.minimum.
void apply_threads(const ThreadsOption& threads);

}  // namespace ismooth::cli
