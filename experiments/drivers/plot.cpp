// The drivers' figures (plot.hpp).
#include "drivers/plot.hpp"

#include <cstdio>
#include <cstdlib>

#ifndef ISMOOTH_SCRIPTS_DIR
#define ISMOOTH_SCRIPTS_DIR "experiments/scripts"
#endif

namespace ismooth::experiments {

bool plot(const DriverOptions& o, const std::string& sub, const fs::path& dir) {
  if (o.no_plot) return false;
  const char* env = std::getenv("ISMOOTH_PLOT_SCRIPT");
  const fs::path script =
      env ? fs::path(env) : fs::path(ISMOOTH_SCRIPTS_DIR) / "plot_experiments.py";
  const char* python = "/usr/bin/python3";
  if (!fs::exists(python) ||
      std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0) {
    std::fprintf(stderr,
                 "ismooth: warning: /usr/bin/python3 with matplotlib not found "
                 "(apt install python3-matplotlib): no figures drawn; the numbers are in %s\n",
                 dir.string().c_str());
    return false;
  }
  if (!fs::exists(script)) {
    std::fprintf(stderr,
                 "ismooth: warning: plot script %s not found (set ISMOOTH_PLOT_SCRIPT): no "
                 "figures drawn; the numbers are in %s\n",
                 script.string().c_str(), dir.string().c_str());
    return false;
  }
  const std::string cmd = "MPLBACKEND=Agg /usr/bin/python3 '" + script.string() + "' " + sub +
                          " '" + dir.string() + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "ismooth: warning: the plot script failed (%s); numbers are in %s\n",
                 cmd.c_str(), dir.string().c_str());
    return false;
  }
  return true;
}

}  // namespace ismooth::experiments
