// Progress lines of the drivers (progress.hpp).
#include "drivers/progress.hpp"

#include <cstdio>

namespace ismooth::experiments {

void Progress::item(const std::string& what, bool cached, double seconds) {
  ++done_;
  if (cached)
    std::fprintf(stderr, "[%s] %d/%d %s (cached)\n", driver_.c_str(), done_, total_, what.c_str());
  else
    std::fprintf(stderr, "[%s] %d/%d %s (%.2f s)\n", driver_.c_str(), done_, total_, what.c_str(),
                 seconds);
}

void Progress::note(const std::string& what) const {
  std::fprintf(stderr, "[%s] %s\n", driver_.c_str(), what.c_str());
}

}  // namespace ismooth::experiments
