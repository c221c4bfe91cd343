// The model file (format in include/ismooth/network/model_file.hpp).
#include "ismooth/network/model_file.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "binary_io.hpp"
#include "ismooth/error.hpp"
#include "network_config_io.hpp"

namespace ismooth::network {

namespace {

constexpr std::array<unsigned char, 8> kMagic = {0x89, 'I', 'S', 'N', 0x0D, 0x0A, 0x1A, 0x0A};
constexpr std::uint8_t kFloat32 = 1;

std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

using detail::Reader;
using detail::Writer;

}  // namespace

std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc) {
  static const std::array<std::uint32_t, 256> table = make_crc_table();
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void save_model(const std::filesystem::path& path, const Model& model) {
  check_parameters(model.config, model.parameters, "save_model");
  Writer w("save_model: '" + path.string() + "': ");
  for (unsigned char byte : kMagic) w.put(byte);
  w.put(kModelFileVersion);
  detail::put_network_config(w, model.config);
  w.put(static_cast<std::uint32_t>(model.metadata.size()));
  for (const auto& [key, value] : model.metadata) {
    w.put_string(key);
    w.put_string(value);
  }
  w.put(static_cast<std::uint32_t>(model.parameters.size()));
  for (const NamedTensor& t : model.parameters) {
    w.put_string(t.name);
    w.put(kFloat32);
    w.put(static_cast<std::uint8_t>(t.shape.size()));
    w.put(static_cast<std::uint16_t>(0));
    for (std::int64_t d : t.shape) w.put(d);
    for (float v : t.values) w.put_f32(v);
  }
  w.put(crc32(w.bytes().data(), w.bytes().size()));

  detail::write_atomically(path, w.bytes(), "save_model: '" + path.string() + "': ");
}

Model parse_model(const unsigned char* bytes, std::size_t size, const std::string& source_name) {
  const std::string& name = source_name;
  const std::string where = "load_model: '" + name + "': ";
  if (size < kMagic.size() || std::memcmp(bytes, kMagic.data(), kMagic.size()) != 0)
    fail("load_model: '", name, "' is not an ismooth network model file (bad magic)");
  // Everything but the 4-byte trailer is data; a file too short for the
  // trailer is reported as truncated by the first read that runs out.
  const std::size_t data_end = size >= kMagic.size() + 8 ? size - 4 : size;
  Reader r(bytes, data_end, where);
  r.need(kMagic.size(), "magic");
  for (std::size_t i = 0; i < kMagic.size(); ++i) r.get<std::uint8_t>("magic");
  const auto version = r.get<std::uint32_t>("version");
  if (version != kModelFileVersion)
    fail("load_model: '", name, "' has format version ", version, "; this build reads version ",
         kModelFileVersion);

  Model model;
  model.config = detail::get_network_config(r);
  const NetworkConfig& c = model.config;

  const auto metadata_count = r.get<std::uint32_t>("metadata count");
  for (std::uint32_t i = 0; i < metadata_count; ++i) {
    std::string key = r.get_string("metadata key");
    model.metadata[std::move(key)] = r.get_string("metadata value");
  }
  const auto tensor_count = r.get<std::uint32_t>("tensor count");
  for (std::uint32_t i = 0; i < tensor_count; ++i) {
    std::string tensor = r.get_string("tensor name");
    const auto dtype = r.get<std::uint8_t>("tensor dtype");
    if (dtype != kFloat32)
      fail("load_model: '", name, "': tensor '", tensor, "' has unknown dtype ", int(dtype));
    const auto rank = r.get<std::uint8_t>("tensor rank");
    r.get<std::uint16_t>("reserved");
    std::vector<std::int64_t> shape(rank);
    std::size_t count = 1;
    for (std::int64_t& d : shape) {
      d = r.get<std::int64_t>("tensor dimension");
      // Bound every dimension by the bytes left, so a corrupted size fails as
      // truncation instead of a huge allocation.
      if (d <= 0 || std::size_t(d) > (data_end - r.position()) / 4 + 1)
        fail("load_model: '", name, "': tensor '", tensor, "' has an impossible dimension ", d,
             " (corrupted file?)");
      // Dimensions under that bound can still multiply past 2^64 and wrap
      // around to a small count; refuse before the product can overflow.
      if (count > std::numeric_limits<std::size_t>::max() / 4 / std::size_t(d))
        fail("load_model: '", name, "': tensor '", tensor, "' has an impossible size",
             " (corrupted file?)");
      count *= std::size_t(d);
    }
    r.need(count * 4, "tensor values");
    NamedTensor& t = model.parameters.add(tensor, shape);
    r.get_floats(t.data(), t.size(), "tensor values");
  }
  if (size < kMagic.size() + 8 || r.position() != data_end) {
    if (r.position() + 4 > size)
      fail("load_model: '", name, "' is truncated: the checksum is missing");
    fail("load_model: '", name, "' has ", size - 4 - r.position(),
         " unexpected bytes after the last tensor");
  }
  std::uint32_t stored = 0;
  for (std::size_t i = 0; i < 4; ++i) stored |= std::uint32_t(bytes[data_end + i]) << (8 * i);
  const auto computed = crc32(bytes, data_end);
  if (stored != computed)
    fail("load_model: '", name, "' is corrupted: checksum mismatch (stored 0x", std::hex, stored,
         ", computed 0x", computed, ")");

  std::string why;
  if (!c.IsValid(&why)) fail("load_model: '", name, "' holds an invalid configuration: ", why);
  check_parameters(c, model.parameters, ("load_model: '" + name + "'").c_str());
  return model;
}

Model load_model(const std::filesystem::path& path) {
  const std::vector<char> bytes = detail::read_file(path, "load_model: '" + path.string() + "': ");
  return parse_model(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                     path.string());
}

Model load_model(const std::filesystem::path& path, const NetworkConfig& expected) {
  Model model = load_model(path);
  if (!(model.config == expected))
    fail("load_model: '", path.string(), "' holds a network with ", model.config.describe(),
         " but one with ", expected.describe(), " was expected");
  return model;
}

}  // namespace ismooth::network
