#pragma once
// The drivers' result cache: every finished part (one solver run on one
// image, one trained network, one timing) is written atomically under
// OUT/cache/ with the hash of everything that determines it in its file
// name; a rerun loads what exists and computes the rest, and says how many
// parts came from the cache.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ismooth::experiments {

namespace fs = std::filesystem;

/// 16 hex digits of FNV-1a 64 over `text`.
std::string hash_text(const std::string& text);

/// Ordered key=value settings; their text (and its hash) identify a cached part.
struct Settings {
  std::vector<std::pair<std::string, std::string>> items;
  Settings& add(const std::string& key, const std::string& value);
  Settings& add(const std::string& key, double value);
  std::string text() const;
  std::string hash() const { return hash_text(text()); }
};

/// Files under OUT/cache/SUB named NAME-HASH.EXT; counts hits and misses.
class ResultCache {
 public:
  ResultCache(const fs::path& out, const std::string& sub);
  fs::path path(const std::string& name, const Settings& s, const std::string& ext) const;
  /// True (and counted as cached) if `p` exists.
  bool lookup(const fs::path& p);
  void computed() { ++computed_; }
  int hits() const { return hits_; }
  int misses() const { return computed_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  int hits_ = 0, computed_ = 0;
};

/// Writes `text` to `path` through a temporary file and a rename.
void write_text(const fs::path& path, const std::string& text);
std::string read_text(const fs::path& path);

}  // namespace ismooth::experiments
