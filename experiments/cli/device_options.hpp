#pragma once
// Where the work runs: --device (the network engine), --precision and
// --threads (OpenMP), shared by `ismooth smooth`, `train`, `solve` and
// `experiment`.

#include <CLI/CLI.hpp>
#include <string>

#include "cli/flag_values.hpp"
#include "ismooth/network/network.hpp"

namespace ismooth::cli {

/// The engine of a `--device` flag: cpu (oneDNN) or cuda. Throws
/// ismooth::Error, before any work, for another name or when the engine
/// cannot run here (no CUDA build, no GPU), with the reason, naming the
/// setting as `spelling` writes it ("--device", the Python module's "device").
network::EngineOptions engine_for_device(const std::string& device,
                                         Spelling spelling = Spelling::flag);

/// `e` with the precision of a `--precision` flag. Throws ismooth::Error,
/// before any work, for an unknown name or one that `e`'s engine cannot run
/// here (oneDNN bf16 on a CPU without AVX512-BF16), with the reason.
void apply_precision(network::EngineOptions& e, const std::string& precision,
                     Spelling spelling = Spelling::flag);

/// Adds `--precision NAME` (stored in `precision`) to `cmd`.
CLI::Option* add_precision_option(CLI::App& cmd, std::string& precision, const std::string& help);

/// One line naming the kernels of Network::kernels(), grouped with counts:
/// "kernels: 24 x brgconv:avx512_core_bf16 (bf16), 2 x brgconv:avx512_core
/// (fp32)" (forward only); empty if the engine names none.
std::string describe_kernels(const std::string& kernels);

/// Adds `--device cpu|cuda` (stored in `device`) to `cmd`.
CLI::Option* add_device_option(
    CLI::App& cmd, std::string& device,
    const std::string& help = "cpu (oneDNN; default) or cuda (needs a CUDA build and a GPU)");

/// The most OpenMP threads --threads accepts: 4 x the cores this process may
/// use. More only oversubscribes (and 100000 crashed inside libgomp).
int max_threads();

/// The value of --threads, as typed (parsed by apply_threads).
struct ThreadsOption {
  std::string text;
  /// The least count accepted; 0 means "the default" (OMP_NUM_THREADS or
  /// all cores), as if not given.
  int minimum = 0;
  CLI::Option* option = nullptr;  ///< set by add_threads_option
  IntRange range() const;         ///< minimum to max_threads()
};

/// Adds `--threads N` to `cmd`; the help shows the accepted range.
CLI::Option* add_threads_option(
    CLI::App& cmd, ThreadsOption& threads,
    const std::string& help = "OpenMP threads (default: OMP_NUM_THREADS or all)");

/// Sets OpenMP's thread count from --threads, if given and not 0. Throws
/// ismooth::Error, naming the range, for anything but an integer from
/// threads.minimum to max_threads().
void apply_threads(const ThreadsOption& threads);

}  // namespace ismooth::cli
