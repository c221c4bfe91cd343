// --device and --threads (device_options.hpp).
#include "cli/device_options.hpp"

#include <omp.h>

#include "cli/flag_values.hpp"
#include "ismooth/error.hpp"

namespace ismooth::cli {

network::EngineOptions engine_for_device(const std::string& device) {
  network::EngineOptions e;
  if (device == "cuda")
    e.kind = network::EngineKind::cuda;
  else
    require(device == "cpu", "--device ", device, ": expected cpu or cuda");
  std::string why;
  require(network::engine_available(e.kind, &why), "--device ", device, ": ", why);
  return e;
}

CLI::Option* add_device_option(CLI::App& cmd, std::string& device, const std::string& help) {
  return cmd.add_option("--device", device, help)->group("Device");
}

CLI::Option* add_threads_option(CLI::App& cmd, ThreadsOption& threads, const std::string& help) {
  return cmd.add_option("--threads", threads.text, help)->group("Device");
}

void apply_threads(const ThreadsOption& threads) {
  if (threads.text.empty()) return;
  const int n = parse_count("--threads", threads.text, threads.minimum);
  if (n > 0) omp_set_num_threads(n);
}

}  // namespace ismooth::cli
