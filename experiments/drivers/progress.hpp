#pragma once
// Progress lines of the drivers on stderr, one per finished part.

#include <string>
#include <utility>

namespace ismooth::experiments {

/// Prints "[driver] k/n what (cached|done, 1.2 s)" to stderr.
class Progress {
 public:
  Progress(std::string driver, int total) : driver_(std::move(driver)), total_(total) {}
  void item(const std::string& what, bool cached, double seconds = 0);
  void note(const std::string& what) const;
  void set_total(int total) { total_ = total; }

 private:
  std::string driver_;
  int total_ = 0, done_ = 0;
};

}  // namespace ismooth::experiments
