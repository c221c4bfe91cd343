// --device and --threads (device_options.hpp).
#include "cli/device_options.hpp"

#include <omp.h>

#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

#include "cli/flag_values.hpp"
#include "ismooth/error.hpp"

namespace ismooth::cli {

network::EngineOptions engine_for_device(const std::string& device, Spelling spelling) {
  const std::string what = option_name("device", spelling);
  network::EngineOptions e;
  if (device == "cuda")
    e.kind = network::EngineKind::cuda;
  else
    require(device == "cpu", what, " ", device, ": expected cpu or cuda");
  std::string why;
  require(network::engine_available(e.kind, &why), what, " ", device, ": ", why);
  return e;
}

void apply_precision(network::EngineOptions& e, const std::string& precision, Spelling spelling) {
  const std::string what = option_name("precision", spelling);
  e.precision = network::parse_precision(precision);
  std::string why;
  require(e.IsValid(&why), what, " ", precision, ": ", why);
  require(network::precision_available(e.kind, e.precision, &why), what, " ", precision, ": ", why);
}

CLI::Option* add_precision_option(CLI::App& cmd, std::string& precision, const std::string& help) {
  return cmd.add_option("--precision", precision, help)->type_name("NAME")->group("Device");
}

std::string describe_kernels(const std::string& kernels) {
  // Lines "layer N TYPE: fwd IMPL | ...": count (IMPL, TYPE) in order met.
  std::vector<std::pair<std::string, int>> counts;
  std::istringstream lines(kernels);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(": fwd ");
    const auto space = line.rfind(' ', colon);
    if (colon == std::string::npos || space == std::string::npos) continue;
    const std::string type = line.substr(space + 1, colon - space - 1);
    const std::string impl = line.substr(colon + 6, line.find(" |", colon) - colon - 6);
    const std::string key = impl + " (" + type + ")";
    auto it =
        std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == key; });
    if (it == counts.end())
      counts.emplace_back(key, 1);
    else
      ++it->second;
  }
  if (counts.empty()) return {};
  std::string s = "kernels:";
  for (std::size_t k = 0; k < counts.size(); ++k)
    s += (k ? ", " : " ") + std::to_string(counts[k].second) + " x " + counts[k].first;
  return s;
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
