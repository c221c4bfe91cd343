#pragma once
/// \file
/// Training checkpoints: everything a training run needs to continue exactly
/// where it stopped (weights, Adam's moments and step count, the position in
/// the data order, the settings that must not change, and the per-iteration
/// records so far). The data order is not stored: it is a function of the
/// seed and the step number (training_data.hpp), so the step is enough.
///
/// Format, version 1. Little-endian; floats IEEE-754; strings are a u32
/// length and UTF-8 bytes without terminator:
///
///     offset 0  magic      8 bytes  89 'I' 'S' 'C' 0D 0A 1A 0A
///     8         version    u32      1
///     config    as in the model file (model_file.hpp): width u32, blocks
///               u32, dilations u32 × blocks, residual u8, bn_mode u8,
///               reserved u16 = 0, bn_eps f32
///     progress  next_iteration i64   updates done = index of the next record
///               adam_steps     i64   Adam's t (equals next_iteration)
///               seconds        f64   training wall time so far
///               last_step_norm f64   ‖θ_s − θ_{s−1}‖ (the next record's step)
///     settings  u32 count, then count × (string key, string value)
///     tensors   three groups in this order: parameters θ, Adam m, Adam v;
///               each u32 count, then per tensor: string name, u8 rank,
///               i64 × rank dims, f32 × product(dims) values, row-major
///     records   u64 count, then per record: i64 iteration, f64 × 9 (energy,
///               data, flatten, edge, l2_fraction, energy_change,
///               gradient_norm, step_norm, seconds), u32 extras count, then
///               extras × (string key, f64 value)
///     trailer   crc32      u32      CRC-32 (zlib's) of every byte before it
///
/// Files are written atomically (a temporary file in the same folder, written,
/// fsync'ed, renamed over the target), so an interrupt or a crash during a
/// save leaves the previous checkpoint intact.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ismooth/network/network_config.hpp"
#include "ismooth/network/parameters.hpp"
#include "ismooth/summary.hpp"

namespace ismooth::network {

inline constexpr std::uint32_t kCheckpointVersion = 1;

/// The state of a training run between two iterations: after `next_iteration`
/// updates, with records 0 … next_iteration − 1.
struct TrainingCheckpoint {
  NetworkConfig config;
  Parameters parameters;  ///< θ after next_iteration updates
  Parameters adam_m, adam_v;
  std::int64_t adam_steps = 0;
  std::int64_t next_iteration = 0;
  double seconds = 0;
  double last_step_norm = 0;
  /// The run's identity (seed, crop, preset, energy parameters, optimiser,
  /// data fingerprints, ...): a resumed run must present the same values.
  std::map<std::string, std::string> settings;
  std::vector<IterationRecord> records;
};

/// Writes `checkpoint` to `path` atomically (see \file). Throws ismooth::Error
/// if the tensors do not fit the configuration or the file cannot be written;
/// the previous file at `path`, if any, is then untouched.
void save_checkpoint(const std::filesystem::path& path, const TrainingCheckpoint& checkpoint);

/// Reads a checkpoint. Throws ismooth::Error naming the path and the reason:
/// missing file, not a checkpoint (magic), unsupported version, truncated (with
/// the byte offset), corrupted (checksum), trailing bytes, invalid
/// configuration, tensors that do not fit it, non-finite values.
TrainingCheckpoint load_checkpoint(const std::filesystem::path& path);

/// As load_checkpoint, from the `size` bytes at `data` (a checkpoint's whole
/// contents); `source_name` stands for the path in messages.
TrainingCheckpoint parse_checkpoint(const unsigned char* data, std::size_t size,
                                    const std::string& source_name);

}  // namespace ismooth::network
