// The drivers' result cache (result_cache.hpp).
#include "drivers/result_cache.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "ismooth/image_io.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

std::string hash_text(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

Settings& Settings::add(const std::string& key, const std::string& value) {
  items.emplace_back(key, value);
  return *this;
}

Settings& Settings::add(const std::string& key, double value) {
  return add(key, csv_number(value));
}

std::string Settings::text() const {
  std::string t;
  for (const auto& [k, v] : items) t += k + "=" + v + "\n";
  return t;
}

ResultCache::ResultCache(const fs::path& out, const std::string& sub) : dir_(out / "cache" / sub) {
  fs::create_directories(dir_);
}

fs::path ResultCache::path(const std::string& name, const Settings& s,
                           const std::string& ext) const {
  return dir_ / (name + "-" + s.hash() + ext);
}

bool ResultCache::lookup(const fs::path& p) {
  if (!fs::exists(p)) return false;
  ++hits_;
  return true;
}

void write_text(const fs::path& path, const std::string& text) {
  detail::write_atomically(path, std::vector<unsigned char>(text.begin(), text.end()));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  require(bool(in), "cannot read '", path.string(), "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace ismooth::experiments
