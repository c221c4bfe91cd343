// Training checkpoints (format in include/ismooth/network/checkpoint.hpp).
#include "ismooth/network/checkpoint.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "binary_io.hpp"
#include "ismooth/error.hpp"
#include "ismooth/network/model_file.hpp"
#include "network_config_io.hpp"

namespace ismooth::network {

namespace {

constexpr std::array<unsigned char, 8> kMagic = {0x89, 'I', 'S', 'C', 0x0D, 0x0A, 0x1A, 0x0A};

using detail::Reader;
using detail::Writer;

void put_tensors(Writer& w, const Parameters& p) {
  w.put(static_cast<std::uint32_t>(p.size()));
  for (const NamedTensor& t : p) {
    w.put_string(t.name);
    w.put(static_cast<std::uint8_t>(t.shape.size()));
    for (std::int64_t d : t.shape) w.put(d);
    for (float v : t.values) w.put_f32(v);
  }
}

Parameters get_tensors(Reader& r) {
  Parameters p;
  const std::size_t count = r.get_count("tensor count", 6);
  for (std::size_t i = 0; i < count; ++i) {
    std::string name = r.get_string("tensor name");
    const auto rank = r.get<std::uint8_t>("tensor rank");
    std::vector<std::int64_t> shape(rank);
    std::size_t n = 1;
    for (std::int64_t& d : shape) {
      d = r.get<std::int64_t>("tensor dimension");
      if (d <= 0 || std::uint64_t(d) > std::uint64_t(1) << 40)
        fail(r.where(), "tensor '", name, "' has an impossible dimension ", d,
             " (corrupted file?)");
      // Two dimensions under the bound can still wrap the product around, so
      // the product has the same bound, checked before it can overflow.
      if (n > (std::size_t(1) << 40) / std::size_t(d))
        fail(r.where(), "tensor '", name, "' has an impossible size (corrupted file?)");
      n *= std::size_t(d);
    }
    r.need(n * 4, "tensor values");
    NamedTensor& t = p.add(name, shape);
    for (float& v : t.values) v = r.get_f32("tensor value");
  }
  return p;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const TrainingCheckpoint& c) {
  check_parameters(c.config, c.parameters, "save_checkpoint (parameters)");
  check_parameters(c.config, c.adam_m, "save_checkpoint (Adam first moment)");
  check_parameters(c.config, c.adam_v, "save_checkpoint (Adam second moment)");
  require(c.next_iteration >= 0 && c.adam_steps >= 0,
          "save_checkpoint: negative iteration or step count");
  Writer w("save_checkpoint: '" + path.string() + "': ");
  for (unsigned char byte : kMagic) w.put(byte);
  w.put(kCheckpointVersion);
  detail::put_network_config(w, c.config);
  w.put(c.next_iteration);
  w.put(c.adam_steps);
  w.put_f64(c.seconds);
  w.put_f64(c.last_step_norm);
  w.put(static_cast<std::uint32_t>(c.settings.size()));
  for (const auto& [key, value] : c.settings) {
    w.put_string(key);
    w.put_string(value);
  }
  put_tensors(w, c.parameters);
  put_tensors(w, c.adam_m);
  put_tensors(w, c.adam_v);
  w.put(static_cast<std::uint64_t>(c.records.size()));
  for (const IterationRecord& r : c.records) {
    w.put(static_cast<std::int64_t>(r.iteration));
    for (double v : {r.energy, r.data, r.flatten, r.edge, r.l2_fraction, r.energy_change,
                     r.gradient_norm, r.step_norm, r.seconds})
      w.put_f64(v);
    w.put(static_cast<std::uint32_t>(r.extras.size()));
    for (const auto& [key, value] : r.extras) {
      w.put_string(key);
      w.put_f64(value);
    }
  }
  w.put(crc32(w.bytes().data(), w.bytes().size()));
  detail::write_atomically(path, w.bytes(), "save_checkpoint: '" + path.string() + "': ");
}

TrainingCheckpoint load_checkpoint(const std::filesystem::path& path) {
  const std::vector<char> bytes =
      detail::read_file(path, "load_checkpoint: '" + path.string() + "': ");
  return parse_checkpoint(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                          path.string());
}

TrainingCheckpoint parse_checkpoint(const unsigned char* bytes, std::size_t size,
                                    const std::string& source_name) {
  const std::string where = "load_checkpoint: '" + source_name + "': ";
  if (size < kMagic.size() || std::memcmp(bytes, kMagic.data(), kMagic.size()) != 0)
    fail(where, "not an ismooth training checkpoint (bad magic)");
  constexpr std::size_t kHeader = 8 + 4;
  if (size < kHeader + 4)
    fail(where, "truncated: ", size, " bytes, too short for the header and checksum");
  Reader header(bytes, kHeader, where);
  for (std::size_t i = 0; i < kMagic.size(); ++i) header.get<std::uint8_t>("magic");
  const auto version = header.get<std::uint32_t>("version");
  if (version != kCheckpointVersion)
    fail(where, "format version ", version, "; this build reads version ", kCheckpointVersion);
  // The checksum first: a truncated or damaged file is reported as such rather
  // than by whichever field happens to read garbage.
  const std::size_t data_end = size - 4;
  std::uint32_t stored = 0;
  for (std::size_t i = 0; i < 4; ++i) stored |= std::uint32_t(bytes[data_end + i]) << (8 * i);
  const std::uint32_t computed = crc32(bytes, data_end);
  if (stored != computed)
    fail(where, "corrupted or truncated (checksum mismatch over ", size, " bytes: stored 0x",
         std::hex, stored, ", computed 0x", computed, ")");

  Reader r(bytes, data_end, where);
  for (std::size_t i = 0; i < kHeader; ++i) r.get<std::uint8_t>("header");
  TrainingCheckpoint c;
  c.config = detail::get_network_config(r);
  const NetworkConfig& k = c.config;
  std::string why;
  if (!k.IsValid(&why)) fail(where, "invalid network configuration: ", why);

  c.next_iteration = r.get<std::int64_t>("next iteration");
  c.adam_steps = r.get<std::int64_t>("Adam steps");
  c.seconds = r.get_f64("seconds");
  c.last_step_norm = r.get_f64("last step norm");
  if (c.next_iteration < 0 || c.adam_steps < 0)
    fail(where, "negative iteration (", c.next_iteration, ") or step count (", c.adam_steps, ")");
  const std::size_t settings = r.get_count("settings count", 8);
  for (std::size_t i = 0; i < settings; ++i) {
    std::string key = r.get_string("setting key");
    c.settings[std::move(key)] = r.get_string("setting value");
  }
  c.parameters = get_tensors(r);
  c.adam_m = get_tensors(r);
  c.adam_v = get_tensors(r);
  check_parameters(k, c.parameters, (where + "parameters").c_str());
  check_parameters(k, c.adam_m, (where + "Adam first moment").c_str());
  check_parameters(k, c.adam_v, (where + "Adam second moment").c_str());

  const std::size_t records = r.get_count("record count", 8 + 9 * 8 + 4, true);
  c.records.resize(records);
  for (IterationRecord& rec : c.records) {
    rec.iteration = static_cast<int>(r.get<std::int64_t>("record iteration"));
    for (double* v : {&rec.energy, &rec.data, &rec.flatten, &rec.edge, &rec.l2_fraction,
                      &rec.energy_change, &rec.gradient_norm, &rec.step_norm, &rec.seconds})
      *v = r.get_f64("record value");
    const std::size_t extras = r.get_count("extras count", 12);
    for (std::size_t i = 0; i < extras; ++i) {
      std::string key = r.get_string("extra key");
      rec.extras[std::move(key)] = r.get_f64("extra value");
    }
  }
  if (r.position() != data_end)
    fail(where, data_end - r.position(), " unexpected bytes after the last record");
  return c;
}

}  // namespace ismooth::network
