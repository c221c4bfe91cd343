#pragma once
/// \file
/// Atomic file writes and their temporaries: the one writer behind images
/// (image_io.hpp), CSV logs and traces, model files and checkpoints.
///
/// - A file is written to a temporary beside it, `<name>.ismooth-tmp-<pid>-<n>`,
///   checked after close (a full disk shows there), then renamed over the
///   target: readers and later runs only ever see a complete file, and a
///   failed write leaves an existing target untouched. The suffix is never an
///   image extension, so a batch never takes a left-over temporary for an
///   input (and is_temporary_file() lets folder scans skip them by name).
/// - Each temporary is registered while it exists; remove_temporary_files()
///   unlinks the registered ones with nothing but async-signal-safe calls,
///   so the program's SIGINT/SIGTERM handler removes them before the process
///   ends (experiments/cli/interrupt.cpp). The registry is global state on
///   purpose: a signal handler can reach nothing else.

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "ismooth/error.hpp"

namespace ismooth {

/// What every temporary's file name contains (then `<pid>-<n>`).
inline constexpr std::string_view kTemporaryMarker = ".ismooth-tmp-";

/// Whether `path` names one of our temporaries (by its file name).
inline bool is_temporary_file(const std::filesystem::path& path) {
  return path.filename().string().find(kTemporaryMarker) != std::string::npos;
}

namespace detail {

/// One registered temporary: a path copied into a fixed buffer, so the
/// signal handler needs neither allocation nor locks. state: 0 free,
/// 1 being filled, 2 armed (the handler unlinks it).
struct TemporarySlot {
  std::atomic<int> state{0};
  char path[4096]{};
};
static_assert(std::atomic<int>::is_always_lock_free);

// More than the program ever writes at once; beyond it a temporary is
// simply not registered (still removed on every ordinary failure).
inline std::array<TemporarySlot, 64> g_temporary_slots;

/// Registers `path` for as long as this object lives.
class RegisteredTemporary {
 public:
  explicit RegisteredTemporary(const std::filesystem::path& path) {
    const std::string& text = path.native();
    if (text.size() >= sizeof(TemporarySlot{}.path)) return;
    for (TemporarySlot& s : g_temporary_slots) {
      int expected = 0;
      if (!s.state.compare_exchange_strong(expected, 1)) continue;
      std::memcpy(s.path, text.c_str(), text.size() + 1);
      s.state.store(2);
      slot_ = &s;
      return;
    }
  }
  ~RegisteredTemporary() {
    if (slot_) slot_->state.store(0);
  }
  RegisteredTemporary(const RegisteredTemporary&) = delete;
  RegisteredTemporary& operator=(const RegisteredTemporary&) = delete;

 private:
  TemporarySlot* slot_ = nullptr;
};

}  // namespace detail

/// Unlinks every registered temporary. Async-signal-safe (atomics and
/// unlink only); for a signal handler about to end the process.
inline void remove_temporary_files() noexcept {
  for (detail::TemporarySlot& s : detail::g_temporary_slots)
    if (s.state.load() == 2) ::unlink(s.path);
}

/// Whether write_atomically flushes the data to the disk before the rename.
enum class Durability {
  rename_only,  ///< guards against failures, not power loss (images, logs)
  fsync,        ///< the file is on disk when it appears (models, checkpoints)
};

/// Writes `size` bytes to `target` atomically (see \file). Throws
/// ismooth::Error starting with `where` (default "cannot write 'TARGET': ").
inline void write_atomically(const std::filesystem::path& target, const void* data,
                             std::size_t size, Durability durability = Durability::rename_only,
                             std::string where = {}) {
  static std::atomic<unsigned long> counter{0};
  if (where.empty()) where = "cannot write '" + target.string() + "': ";
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code ec;
  require(std::filesystem::is_directory(dir, ec), where, "'", dir.string(),
          "' is not an existing directory");
  std::filesystem::path tmp = target;
  tmp.replace_filename(target.filename().string() + std::string(kTemporaryMarker) +
                       std::to_string(::getpid()) + "-" + std::to_string(counter++));
  const detail::RegisteredTemporary registered(tmp);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(where, "cannot create '", tmp.string(), "' (", std::strerror(errno), ")");
  const auto* bytes = static_cast<const char*>(data);
  std::size_t done = 0;
  int error = 0;
  while (done < size) {
    const ::ssize_t n = ::write(fd, bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno != 0 ? errno : EIO;
      break;
    }
    done += std::size_t(n);
  }
  if (error == 0 && durability == Durability::fsync && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    std::filesystem::remove(tmp, ec);
    fail(where, "writing the data failed (", std::strerror(error), ")");
  }
  std::filesystem::rename(tmp, target, ec);
  if (ec) {
    const std::string reason = ec.message();
    std::filesystem::remove(tmp, ec);
    fail(where, "cannot rename the temporary file over it (", reason, ")");
  }
}

}  // namespace ismooth
