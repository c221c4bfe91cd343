#pragma once
/// \file
/// The model file: a network's configuration and weights in one small binary
/// file that every engine reads.
///
/// Format, version 1. All integers little-endian, floats IEEE-754 binary32
/// little-endian, strings UTF-8 without terminator:
///
///     offset 0  magic      8 bytes  89 'I' 'S' 'N' 0D 0A 1A 0A
///                                   (PNG-style: catches text-mode and
///                                   7-bit transfers)
///     8         version    u32      1
///     config    width      u32
///               blocks     u32      B
///               dilations  u32 × B
///               residual   u8       0 or 1 (NetworkConfig::residual_image)
///               bn_mode    u8       BatchNormMode (0 = per_image)
///               reserved   u16      0
///               bn_eps     f32
///     metadata  count      u32, then count × (u32 length, key,
///                                            u32 length, value)
///     tensors   count      u32, then per tensor:
///               name       u32 length, bytes
///               dtype      u8       1 = f32 (the only one so far)
///               rank       u8
///               reserved   u16      0
///               dims       i64 × rank
///               values     f32 × product(dims), row-major
///     trailer   crc32      u32      CRC-32 (IEEE 802.3 / zlib) of every byte
///                                   before it
///
/// The file ends at the trailer. Tensors must be exactly the configuration's
/// (network_description.hpp lists names and layouts). Version 1 is read only
/// by readers that know version 1: a new field means a new version.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "ismooth/error.hpp"
#include "ismooth/network/network_config.hpp"
#include "ismooth/network/parameters.hpp"

namespace ismooth::network {

inline constexpr std::uint32_t kModelFileVersion = 1;

/// What a model file holds. `metadata` is free-form (training preset, epochs,
/// energy, date, ...): the library stores it and reads it back, nothing else.
struct Model {
  NetworkConfig config;
  Parameters parameters;
  std::map<std::string, std::string> metadata;
};

/// Writes `model` to `path` atomically: a temporary file in the same folder,
/// flushed, then renamed over `path`, so a reader never sees a partial file.
/// Throws ismooth::Error if the parameters do not fit the configuration or
/// the file cannot be written.
void save_model(const std::filesystem::path& path, const Model& model);

/// Reads a model file. Throws ismooth::Error with the path and the reason:
/// missing/unreadable file, wrong magic (not a model file), unsupported
/// version, truncation (with the byte offset), checksum mismatch (corrupted),
/// trailing bytes, invalid configuration, tensors that do not fit it.
Model load_model(const std::filesystem::path& path);

/// As load_model, from the `size` bytes at `data` (a model file's whole
/// contents, e.g. from an archive or a fuzzer); `source_name` stands for the
/// path in messages. load_model is read_file + parse_model.
Model parse_model(const unsigned char* data, std::size_t size, const std::string& source_name);

/// As load_model, and also throws unless the file's configuration equals
/// `expected` (the message shows both).
Model load_model(const std::filesystem::path& path, const NetworkConfig& expected);

/// CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32) of `size` bytes,
/// continuing from `crc` (0 to start).
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace ismooth::network
