// The model file (format in include/ismooth/network/model_file.hpp).
#include "ismooth/network/model_file.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "ismooth/error.hpp"

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

// Little-endian encoding, whatever the host's byte order.
class Writer {
 public:
  template <class T>
  void put(T value) {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(value);
    for (std::size_t i = 0; i < sizeof(T); ++i) bytes_.push_back(static_cast<char>(u >> (8 * i)));
  }
  void put_f32(float value) { put(std::bit_cast<std::uint32_t>(value)); }
  void put_string(const std::string& s) {
    require(s.size() <= std::numeric_limits<std::uint32_t>::max(), "save_model: string too long");
    put(static_cast<std::uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  std::vector<char>& bytes() { return bytes_; }

 private:
  std::vector<char> bytes_;
};

class Reader {
 public:
  Reader(const std::vector<char>& bytes, std::size_t end, const std::filesystem::path& path)
      : bytes_(bytes), end_(end), path_(path) {}

  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
      u |= static_cast<U>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    pos_ += sizeof(T);
    return static_cast<T>(u);
  }
  float get_f32(const char* what) { return std::bit_cast<float>(get<std::uint32_t>(what)); }
  std::string get_string(const char* what) {
    const auto size = get<std::uint32_t>(what);
    need(size, what);
    std::string s(bytes_.data() + pos_, size);
    pos_ += size;
    return s;
  }
  void get_floats(float* out, std::size_t count, const char* what) {
    need(count * sizeof(float), what);
    for (std::size_t k = 0; k < count; ++k) out[k] = get_f32(what);
  }
  /// Throws "truncated" unless `size` more bytes are there before the trailer.
  void need(std::size_t size, const char* what) const {
    if (size > end_ - pos_)
      fail("load_model: '", path_.string(), "' is truncated: ", what, " at byte ", pos_, " needs ",
           size, " bytes but the file's data ends at byte ", end_);
  }
  std::size_t position() const { return pos_; }

 private:
  const std::vector<char>& bytes_;
  std::size_t end_;
  std::size_t pos_ = 0;
  const std::filesystem::path& path_;
};

std::vector<char> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    fail("load_model: '", path.string(), "' does not exist or is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("load_model: cannot open '", path.string(), "' for reading");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("load_model: error while reading '", path.string(), "'");
  return bytes;
}

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
  Writer w;
  for (unsigned char byte : kMagic) w.put(byte);
  w.put(kModelFileVersion);
  const NetworkConfig& c = model.config;
  w.put(static_cast<std::uint32_t>(c.width));
  w.put(static_cast<std::uint32_t>(c.blocks));
  for (int d : c.dilations) w.put(static_cast<std::uint32_t>(d));
  w.put(static_cast<std::uint8_t>(c.residual_image ? 1 : 0));
  w.put(static_cast<std::uint8_t>(c.batch_norm));
  w.put(static_cast<std::uint16_t>(0));
  w.put_f32(c.batch_norm_epsilon);
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

  // Write next to the target, then rename: readers see the old or the new
  // file, never a partial one. The name is unique per process and call.
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path tmp =
      path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("save_model: cannot create '", tmp.string(), "'");
    out.write(w.bytes().data(), static_cast<std::streamsize>(w.bytes().size()));
    out.flush();
    if (!out) {
      out.close();
      std::filesystem::remove(tmp);
      fail("save_model: error while writing '", tmp.string(), "' (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    fail("save_model: cannot rename '", tmp.string(), "' to '", path.string(), "': ", ec.message());
  }
}

Model load_model(const std::filesystem::path& path) {
  const std::vector<char> bytes = read_file(path);
  if (bytes.size() < kMagic.size() || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
    fail("load_model: '", path.string(), "' is not an ismooth network model file (bad magic)");
  // Everything but the 4-byte trailer is data; a file too short for the
  // trailer is reported as truncated by the first read that runs out.
  const std::size_t data_end = bytes.size() >= kMagic.size() + 8 ? bytes.size() - 4 : bytes.size();
  Reader r(bytes, data_end, path);
  r.need(kMagic.size(), "magic");
  for (std::size_t i = 0; i < kMagic.size(); ++i) r.get<std::uint8_t>("magic");
  const auto version = r.get<std::uint32_t>("version");
  if (version != kModelFileVersion)
    fail("load_model: '", path.string(), "' has format version ", version,
         "; this build reads version ", kModelFileVersion);

  Model model;
  NetworkConfig& c = model.config;
  c.width = static_cast<int>(r.get<std::uint32_t>("width"));
  const auto blocks = r.get<std::uint32_t>("blocks");
  r.need(std::size_t(blocks) * 4, "dilations");
  c.blocks = static_cast<int>(blocks);
  c.dilations.resize(blocks);
  for (int& d : c.dilations) d = static_cast<int>(r.get<std::uint32_t>("dilation"));
  const auto residual = r.get<std::uint8_t>("residual flag");
  c.residual_image = residual != 0;
  c.batch_norm = static_cast<BatchNormMode>(r.get<std::uint8_t>("batch-norm mode"));
  r.get<std::uint16_t>("reserved");
  c.batch_norm_epsilon = r.get_f32("batch-norm epsilon");

  const auto metadata_count = r.get<std::uint32_t>("metadata count");
  for (std::uint32_t i = 0; i < metadata_count; ++i) {
    std::string key = r.get_string("metadata key");
    model.metadata[std::move(key)] = r.get_string("metadata value");
  }
  const auto tensor_count = r.get<std::uint32_t>("tensor count");
  for (std::uint32_t i = 0; i < tensor_count; ++i) {
    std::string name = r.get_string("tensor name");
    const auto dtype = r.get<std::uint8_t>("tensor dtype");
    if (dtype != kFloat32)
      fail("load_model: '", path.string(), "': tensor '", name, "' has unknown dtype ", int(dtype));
    const auto rank = r.get<std::uint8_t>("tensor rank");
    r.get<std::uint16_t>("reserved");
    std::vector<std::int64_t> shape(rank);
    std::size_t count = 1;
    for (std::int64_t& d : shape) {
      d = r.get<std::int64_t>("tensor dimension");
      // Bound every dimension by the bytes left, so a corrupted size fails
      // as truncation instead of a huge allocation.
      if (d <= 0 || std::size_t(d) > (data_end - r.position()) / 4 + 1)
        fail("load_model: '", path.string(), "': tensor '", name, "' has an impossible dimension ",
             d, " (corrupted file?)");
      count *= std::size_t(d);
    }
    r.need(count * 4, "tensor values");
    NamedTensor& t = model.parameters.add(name, shape);
    r.get_floats(t.data(), t.size(), "tensor values");
  }
  if (bytes.size() < kMagic.size() + 8 || r.position() != data_end) {
    if (r.position() + 4 > bytes.size())
      fail("load_model: '", path.string(), "' is truncated: the checksum is missing");
    fail("load_model: '", path.string(), "' has ", bytes.size() - 4 - r.position(),
         " unexpected bytes after the last tensor");
  }
  std::uint32_t stored = 0;
  for (std::size_t i = 0; i < 4; ++i)
    stored |= std::uint32_t(static_cast<unsigned char>(bytes[data_end + i])) << (8 * i);
  const auto computed = crc32(bytes.data(), data_end);
  if (stored != computed)
    fail("load_model: '", path.string(), "' is corrupted: checksum mismatch (stored 0x", std::hex,
         stored, ", computed 0x", computed, ")");

  std::string why;
  if (!c.IsValid(&why))
    fail("load_model: '", path.string(), "' holds an invalid configuration: ", why);
  check_parameters(c, model.parameters, ("load_model: '" + path.string() + "'").c_str());
  return model;
}

Model load_model(const std::filesystem::path& path, const NetworkConfig& expected) {
  Model model = load_model(path);
  if (!(model.config == expected))
    fail("load_model: '", path.string(), "' holds a network with ", model.config.describe(),
         " but one with ", expected.describe(), " was expected");
  return model;
}

}  // namespace ismooth::network
