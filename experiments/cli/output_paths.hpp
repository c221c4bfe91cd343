#pragma once
// The files a command writes, checked before any work: none of them is one
// of the command's inputs (no command ever overwrites its own input), no two
// are the same file, and each can be created (its folder exists and is
// writable; it is not a folder). Used by every subcommand that writes.

#include <filesystem>
#include <string>
#include <vector>

namespace ismooth::cli {

/// A path a command reads or writes, with the argument that named it
/// ("INPUT", "--out", ...), for the messages.
struct NamedPath {
  std::string what;
  std::filesystem::path path;
};

/// What makes two paths the same file: the device and inode of an existing
/// file (hard and symbolic links included), else its absolute path with the
/// existing part's symbolic links resolved and "." / ".." removed.
std::string file_identity(const std::filesystem::path& path);

/// Whether `path` is `folder` or lies below it (both as file_identity sees them).
bool is_within(const std::filesystem::path& path, const std::filesystem::path& folder);

/// Throws ismooth::Error, naming both paths, if an output is the same file
/// as an input or as another output; and, naming the output, if it is a
/// folder or its folder does not exist or is not writable. Empty paths are
/// ignored (flags not given).
void check_outputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);

/// Throws ismooth::Error unless `folder` exists and is writable, or does not
/// exist and its nearest existing ancestor is a writable folder (it can be
/// created). `what` names the argument.
void check_folder_writable(const std::string& what, const std::filesystem::path& folder);

}  // namespace ismooth::cli
