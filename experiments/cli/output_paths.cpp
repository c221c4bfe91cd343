// Outputs checked against inputs and each other (output_paths.hpp).
#include "cli/output_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "ismooth/error.hpp"

namespace ismooth::cli {

namespace fs = std::filesystem;

std::string file_identity(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0)
    return "inode " + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) p = fs::absolute(path, ec).lexically_normal();
  return "path " + p.string();
}

bool is_within(const fs::path& path, const fs::path& folder) {
  const std::string target = file_identity(folder);
  std::error_code ec;
  for (fs::path p = fs::absolute(path, ec).lexically_normal();; p = p.parent_path()) {
    if (file_identity(p) == target) return true;
    if (!p.has_relative_path()) return false;
  }
}

namespace {

std::string quoted(const NamedPath& p) { return p.what + " '" + p.path.string() + "'"; }

fs::path folder_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : "."; }

}  // namespace

void check_folder_writable(const std::string& what, const fs::path& folder) {
  std::error_code ec;
  fs::path existing = fs::absolute(folder, ec).lexically_normal();
  while (!fs::exists(existing, ec) && existing.has_relative_path())
    existing = existing.parent_path();
  require(fs::is_directory(existing, ec), "cannot write ", what, " '", folder.string(), "': '",
          existing.string(), "' is not a folder");
  require(::access(existing.c_str(), W_OK | X_OK) == 0, "cannot write ", what, " '",
          folder.string(), "': folder '", existing.string(), "' is not writable");
}

void check_outputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  std::map<std::string, const NamedPath*> read, written;
  for (const NamedPath& in : inputs)
    if (!in.path.empty()) read.emplace(file_identity(in.path), &in);
  for (const NamedPath& out : outputs) {
    if (out.path.empty()) continue;
    std::error_code ec;
    require(!fs::is_directory(out.path, ec), "cannot write ", quoted(out), ": it is a folder");
    const fs::path dir = folder_of(out.path);
    require(fs::is_directory(dir, ec), "cannot write ", quoted(out), ": folder '", dir.string(),
            "' does not exist");
    require(::access(dir.c_str(), W_OK | X_OK) == 0, "cannot write ", quoted(out), ": folder '",
            dir.string(), "' is not writable");
    const std::string id = file_identity(out.path);
    if (const auto it = read.find(id); it != read.end())
      fail("refusing to overwrite an input: ", quoted(out), " is the same file as ",
           quoted(*it->second));
    const auto [it, fresh] = written.emplace(id, &out);
    require(fresh, quoted(out), " and ", quoted(*it->second),
            " are the same file: each output needs its own");
  }
}

}  // namespace ismooth::cli
