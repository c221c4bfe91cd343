#pragma once
// Internal to ismooth::network: the little-endian byte encoding, bounded
// reading and atomic writing shared by the model file and the training
// checkpoint. Every error names `where` (the caller and the file).

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "ismooth/atomic_file.hpp"
#include "ismooth/error.hpp"

namespace ismooth::network::detail {

/// Appends values little-endian, whatever the host's byte order.
class Writer {
 public:
  explicit Writer(std::string where) : where_(std::move(where)) {}

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
    require(s.size() <= std::numeric_limits<std::uint32_t>::max(), where_, "string of ", s.size(),
            " bytes is too long");
    put(static_cast<std::uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  std::vector<char>& bytes() { return bytes_; }

 private:
  std::string where_;
  std::vector<char> bytes_;
};

/// Reads what Writer wrote from bytes[0, end), failing with "truncated"
/// instead of reading past `end` (where a trailer begins). The bytes are
/// borrowed: a file read into memory or a caller's buffer (the parse_* entry
/// points), which must outlive the reader.
class Reader {
 public:
  Reader(const unsigned char* bytes, std::size_t end, std::string where)
      : bytes_(bytes), end_(end), where_(std::move(where)) {}

  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(bytes_[pos_ + i]) << (8 * i);
    pos_ += sizeof(T);
    return static_cast<T>(u);
  }
  float get_f32(const char* what) { return std::bit_cast<float>(get<std::uint32_t>(what)); }
  double get_f64(const char* what) { return std::bit_cast<double>(get<std::uint64_t>(what)); }
  std::string get_string(const char* what) {
    const auto size = get<std::uint32_t>(what);
    need(size, what);
    std::string s(reinterpret_cast<const char*>(bytes_) + pos_, size);
    pos_ += size;
    return s;
  }
  void get_floats(float* out, std::size_t count, const char* what) {
    need(count * sizeof(float), what);
    for (std::size_t k = 0; k < count; ++k) out[k] = get_f32(what);
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
  const unsigned char* bytes_;
  std::size_t end_;
  std::size_t pos_ = 0;
  std::string where_;
};

/// The whole file, or an error saying why not.
inline std::vector<char> read_file(const std::filesystem::path& path, const std::string& where) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(where, "the file does not exist");
  if (!std::filesystem::is_regular_file(path, ec)) fail(where, "not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, "cannot open it (", std::strerror(errno), ")");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(where, "read error");
  return bytes;
}

/// write + fsync + rename (atomic_file.hpp): the previous file survives any
/// failure before the rename, and the new one is on disk when the rename
/// makes it visible.
inline void write_atomically(const std::filesystem::path& path, const std::vector<char>& bytes,
                             const std::string& where) {
  ismooth::write_atomically(path, bytes.data(), bytes.size(), Durability::fsync, where);
}

}  // namespace ismooth::network::detail
