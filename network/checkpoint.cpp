// Training checkpoints (format in include/ismooth/network/checkpoint.hpp).
#include "ismooth/network/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "ismooth/error.hpp"
#include "ismooth/network/model_file.hpp"

namespace ismooth::network {

namespace {

constexpr std::array<unsigned char, 8> kMagic = {0x89, 'I', 'S', 'C', 0x0D, 0x0A, 0x1A, 0x0A};

class Writer {
 public:
  template <class T>
  void put(T value) {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    const U u = static_cast<U>(value);
    for (std::size_t i = 0; i < sizeof(T); ++i) bytes_.push_back(static_cast<char>(u >> (8 * i)));
  }
  void put_f32(float v) { put(std::bit_cast<std::uint32_t>(v)); }
  void put_f64(double v) { put(std::bit_cast<std::uint64_t>(v)); }
  void put_string(const std::string& s) {
    require(s.size() <= std::numeric_limits<std::uint32_t>::max(), "save_checkpoint: string of ",
            s.size(), " bytes is too long");
    put(static_cast<std::uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  std::vector<char>& bytes() { return bytes_; }

 private:
  std::vector<char> bytes_;
};

class Reader {
 public:
  Reader(const std::vector<char>& bytes, std::size_t end, std::string where)
      : bytes_(bytes), end_(end), where_(std::move(where)) {}

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
  double get_f64(const char* what) { return std::bit_cast<double>(get<std::uint64_t>(what)); }
  std::string get_string(const char* what) {
    const auto size = get<std::uint32_t>(what);
    need(size, what);
    std::string s(bytes_.data() + pos_, size);
    pos_ += size;
    return s;
  }
  /// A count of items of at least `min_item_bytes` each, bounded by the bytes
  /// left so a corrupted count fails here rather than in an allocation.
  std::size_t get_count(const char* what, std::size_t min_item_bytes, bool wide = false) {
    const std::uint64_t n = wide ? get<std::uint64_t>(what) : get<std::uint32_t>(what);
    if (n > (end_ - pos_) / std::max<std::size_t>(min_item_bytes, 1))
      fail(where_, "impossible ", what, " ", n, " at byte ", pos_, " (corrupted file?)");
    return std::size_t(n);
  }
  void need(std::size_t size, const char* what) const {
    if (size > end_ - pos_)
      fail(where_, "truncated: ", what, " at byte ", pos_, " needs ", size,
           " bytes but the data ends at byte ", end_);
  }
  std::size_t position() const { return pos_; }
  const std::string& where() const { return where_; }

 private:
  const std::vector<char>& bytes_;
  std::size_t end_;
  std::size_t pos_ = 0;
  std::string where_;
};

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
      n *= std::size_t(d);
    }
    r.need(n * 4, "tensor values");
    NamedTensor& t = p.add(name, shape);
    for (float& v : t.values) v = r.get_f32("tensor value");
  }
  return p;
}

std::vector<char> read_all(const std::filesystem::path& path, const std::string& where) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(where, "the file does not exist");
  if (!std::filesystem::is_regular_file(path, ec)) fail(where, "not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, "cannot open it (", std::strerror(errno), ")");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(where, "read error");
  return bytes;
}

/// write + fsync + rename: the previous file survives any failure before the
/// rename, and the new one is on disk when the rename makes it visible.
void write_atomically(const std::filesystem::path& path, const std::vector<char>& bytes) {
  static std::atomic<unsigned> counter{0};
  const std::string where = "save_checkpoint: '" + path.string() + "': ";
  const std::filesystem::path tmp =
      path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(where, "cannot create '", tmp.string(), "' (", std::strerror(errno), ")");
  std::size_t done = 0;
  int error = 0;
  while (done < bytes.size()) {
    const ::ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno != 0 ? errno : EIO;
      break;
    }
    done += std::size_t(n);
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  std::error_code ec;
  if (error != 0) {
    std::filesystem::remove(tmp, ec);
    fail(where, "writing '", tmp.string(), "' failed (", std::strerror(error), ")");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    const std::string reason = ec.message();
    std::filesystem::remove(tmp, ec);
    fail(where, "cannot rename the temporary file over it (", reason, ")");
  }
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const TrainingCheckpoint& c) {
  check_parameters(c.config, c.parameters, "save_checkpoint (parameters)");
  check_parameters(c.config, c.adam_m, "save_checkpoint (Adam first moment)");
  check_parameters(c.config, c.adam_v, "save_checkpoint (Adam second moment)");
  require(c.next_iteration >= 0 && c.adam_steps >= 0,
          "save_checkpoint: negative iteration or step count");
  Writer w;
  for (unsigned char byte : kMagic) w.put(byte);
  w.put(kCheckpointVersion);
  const NetworkConfig& k = c.config;
  w.put(static_cast<std::uint32_t>(k.width));
  w.put(static_cast<std::uint32_t>(k.blocks));
  for (int d : k.dilations) w.put(static_cast<std::uint32_t>(d));
  w.put(static_cast<std::uint8_t>(k.residual_image ? 1 : 0));
  w.put(static_cast<std::uint8_t>(k.batch_norm));
  w.put(static_cast<std::uint16_t>(0));
  w.put_f32(k.batch_norm_epsilon);
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
  write_atomically(path, w.bytes());
}

TrainingCheckpoint load_checkpoint(const std::filesystem::path& path) {
  const std::string where = "load_checkpoint: '" + path.string() + "': ";
  const std::vector<char> bytes = read_all(path, where);
  if (bytes.size() < kMagic.size() || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
    fail(where, "not an ismooth training checkpoint (bad magic)");
  constexpr std::size_t kHeader = 8 + 4;
  if (bytes.size() < kHeader + 4)
    fail(where, "truncated: ", bytes.size(), " bytes, too short for the header and checksum");
  Reader header(bytes, kHeader, where);
  for (std::size_t i = 0; i < kMagic.size(); ++i) header.get<std::uint8_t>("magic");
  const auto version = header.get<std::uint32_t>("version");
  if (version != kCheckpointVersion)
    fail(where, "format version ", version, "; this build reads version ", kCheckpointVersion);
  // The checksum first: a truncated or damaged file is reported as such rather
  // than by whichever field happens to read garbage.
  const std::size_t data_end = bytes.size() - 4;
  std::uint32_t stored = 0;
  for (std::size_t i = 0; i < 4; ++i)
    stored |= std::uint32_t(static_cast<unsigned char>(bytes[data_end + i])) << (8 * i);
  const std::uint32_t computed = crc32(bytes.data(), data_end);
  if (stored != computed)
    fail(where, "corrupted or truncated (checksum mismatch over ", bytes.size(),
         " bytes: stored 0x", std::hex, stored, ", computed 0x", computed, ")");

  Reader r(bytes, data_end, where);
  for (std::size_t i = 0; i < kHeader; ++i) r.get<std::uint8_t>("header");
  TrainingCheckpoint c;
  NetworkConfig& k = c.config;
  k.width = static_cast<int>(r.get<std::uint32_t>("width"));
  const std::size_t blocks = r.get_count("block count", 4);
  k.blocks = static_cast<int>(blocks);
  k.dilations.resize(blocks);
  for (int& d : k.dilations) d = static_cast<int>(r.get<std::uint32_t>("dilation"));
  k.residual_image = r.get<std::uint8_t>("residual flag") != 0;
  k.batch_norm = static_cast<BatchNormMode>(r.get<std::uint8_t>("batch-norm mode"));
  r.get<std::uint16_t>("reserved");
  k.batch_norm_epsilon = r.get_f32("batch-norm epsilon");
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
