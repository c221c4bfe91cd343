// --device and --threads (device_options.hpp).
#include "cli/device_options.hpp"

#include <omp.h>

#include <algorithm>

#include "cli/flag_values.hpp"
#include "ismooth/error.hpp"

namespace ismooth::cli {

network::EngineOptions engine_for_device(const std::string& device, const std::string& what) {
  network::EngineOptions e;
  if (device == "cuda")
    e.kind = network::EngineKind::cuda;
  else
    require(device == "cpu", what, " ", device, ": expected cpu or cuda");
  std::string why;
  require(network::engine_available(e.kind, &why), what, " ", device, ": ", why);
  return e;
}

CLI::Option* add_device_option(CLI::App& cmd, std::string& device, const std::string& help) {
  return cmd.add_option("--device", device, help)->group("Device");
}

int max_threads() { return 4 * std::max(1, omp_get_num_procs()); }

IntRange ThreadsOption::range() const {
  return {minimum, max_threads(),
          minimum == 0 ? "0 = the default; at most 4 x the cores" : "at most 4 x the cores"};
}

CLI::Option* add_threads_option(CLI::App& cmd, ThreadsOption& threads, const std::string& help) {
  threads.option =
      cmd.add_option("--threads", threads.text, help + " [" + threads.range().describe() + "]");
  return threads.option->type_name("INT")->group("Device");
}

void apply_threads(const ThreadsOption& threads) {
  if (threads.option == nullptr || threads.option->count() == 0) return;
  const long long n = parse_integer("--threads", threads.text, threads.range());
  if (n > 0) omp_set_num_threads(int(n));
}

}  // namespace ismooth::cli
