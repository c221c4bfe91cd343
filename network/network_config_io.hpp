#pragma once
// Internal to ismooth::network: the bytes of a NetworkConfig, written and read
// here only, for the model file (model_file.hpp) and the training checkpoint
// (checkpoint.hpp), whose formats document them:
//
//     width u32, blocks u32, dilations u32 × blocks, residual u8,
//     bn_mode u8, reserved u16 = 0, bn_eps f32
//
// The reader checks sizes, not values: callers validate the configuration
// (NetworkConfig::IsValid) when their file's checksum allows.

#include "binary_io.hpp"
#include "ismooth/network/network_config.hpp"

namespace ismooth::network::detail {

inline void put_network_config(Writer& w, const NetworkConfig& c) {
  w.put(static_cast<std::uint32_t>(c.width));
  w.put(static_cast<std::uint32_t>(c.blocks));
  for (int d : c.dilations) w.put(static_cast<std::uint32_t>(d));
  w.put(static_cast<std::uint8_t>(c.residual_image ? 1 : 0));
  w.put(static_cast<std::uint8_t>(c.batch_norm));
  w.put(static_cast<std::uint16_t>(0));
  w.put_f32(c.batch_norm_epsilon);
}

inline NetworkConfig get_network_config(Reader& r) {
  NetworkConfig c;
  c.width = static_cast<int>(r.get<std::uint32_t>("width"));
  const auto blocks = r.get<std::uint32_t>("blocks");
  r.need(std::size_t(blocks) * 4, "dilations");  // before the allocation
  c.blocks = static_cast<int>(blocks);
  c.dilations.resize(blocks);
  for (int& d : c.dilations) d = static_cast<int>(r.get<std::uint32_t>("dilation"));
  c.residual_image = r.get<std::uint8_t>("residual flag") != 0;
  c.batch_norm = static_cast<BatchNormMode>(r.get<std::uint8_t>("batch-norm mode"));
  r.get<std::uint16_t>("reserved");
  c.batch_norm_epsilon = r.get_f32("batch-norm epsilon");
  return c;
}

}  // namespace ismooth::network::detail
