// Benchmark of the smoothing network on the oneDNN CPU engine, beside the same
// network in PyTorch (CPU) measured in the same run by bench_network_torch.py:
//   * inference at 224×224, 640×480 and 1280×720,
//   * one training step at 224×224: forward + backward, and with an Adam
//     update of all weights (what the trainer does per image),
//   * one 64→64 3×3 convolution at 1280×720 and at 640×360 (the blocks'
//     resolution), the throughput yardstick for the whole network.
// Prints median ms, GFLOP/s (forward: ≈ 0.571 MFLOP per pixel; a training
// step counts 3× the forward), and peak resident memory per case.
//
// Usage: bench_network [--sizes 224x224,640x480,1280x720] [--repeats N]
//                      [--torch-repeats N] [--no-torch] [--no-train]
//                      [--json FILE] [--python /usr/bin/python3]
//
// Peak memory: the process's VmHWM is reset (/proc/self/clear_refs) before
// each case, so each row reports the high-water mark of that case alone
// (including the process's baseline). PyTorch runs in a child process per
// case and reports its own the same way.
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli/omp_wait_policy.hpp"
#include "ismooth/network/network.hpp"
#include "onednn/onednn_conv.hpp"

using namespace ismooth;
using namespace ismooth::network;
using Clock = std::chrono::steady_clock;

namespace {

struct Row {
  std::string kind;  // inference, train_step, train_step_adam, conv3x3
  std::string size;  // WxH
  std::string impl;
  double median_ms = NAN, min_ms = NAN, gflops = NAN, peak_mib = NAN, workspace_mib = NAN;
  double cpu_ms = NAN;  // median CPU time (all threads) per call
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Median CPU ms of the calls timed by the latest time_ms().
double last_cpu_ms = NAN;

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// The 1-minute load average: other processes on the machine skew timings.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return NAN;
}

// Median and minimum of `repeats` timed calls after `warmup` untimed ones.
// CPU time (user + system, all threads) is kept too: on a shared machine it
// shows the work done, while wall time also counts waiting for a core.
template <class F>
std::pair<double, double> time_ms(F&& f, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> ms, cpu;
  for (int r = 0; r < repeats; ++r) {
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    cpu.push_back(1e3 * (cpu_seconds() - c0));
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  last_cpu_ms = cpu[cpu.size() / 2];
  return {ms[ms.size() / 2], ms.front()};
}

Image<float> random_image(int h, int w, unsigned seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  Image<float> image = make_image<float>(std::size_t(h), std::size_t(w));
  for (float& v : image) v = u(rng);
  return image;
}

// A plain Adam step over every tensor (lr 0.01, β 0.9/0.999, ε 1e-8; spec),
// standing in for the trainer's optimiser.
struct Adam {
  Parameters m, v;
  int t = 0;
  void step(Parameters& params, const Parameters& grads) {
    if (!m.same_layout(params)) {
      m = params;
      m.fill(0);
      v = m;
    }
    ++t;
    const float b1 = 0.9f, b2 = 0.999f, lr = 0.01f, eps = 1e-8f;
    const float c1 = 1.0f / (1.0f - std::pow(b1, float(t))),
                c2 = 1.0f / (1.0f - std::pow(b2, float(t)));
    for (std::size_t i = 0; i < params.size(); ++i) {
      float* p = params[i].data();
      const float* g = grads[i].data();
      float* mi = m[i].data();
      float* vi = v[i].data();
      const std::size_t n = params[i].size();
#pragma omp parallel for schedule(static) if (n > 4096)
      for (std::size_t k = 0; k < n; ++k) {
        mi[k] = b1 * mi[k] + (1 - b1) * g[k];
        vi[k] = b2 * vi[k] + (1 - b2) * g[k] * g[k];
        p[k] -= lr * (mi[k] * c1) / (std::sqrt(vi[k] * c2) + eps);
      }
    }
  }
};

// One 64→64 3×3 convolution (nhwc, format `any` weights) as the engine runs
// its hidden layers: the best the network's convolutions can do at this size.
Row bench_conv(int h, int w, int repeats) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  LayerSpec spec;
  spec.in_channels = spec.out_channels = 64;
  detail::ConvLayer conv(engine, spec, {h, w});
  std::vector<char> scratch(conv.scratchpad_bytes() + 64);
  conv.bind_scratchpad(
      reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(scratch.data()) + 63) & ~63ull));
  std::vector<float> weights(64 * 64 * 9, 0.01f);
  conv.set_weights(stream, weights.data(), nullptr);
  dnnl::memory src(detail::activation_desc(64, {h, w}), engine),
      dst(detail::activation_desc(64, {h, w}), engine);
  std::fill_n(detail::data_of(src), std::size_t(64) * h * w, 1.0f);
  reset_peak_rss();
  const auto [med, min] = time_ms(
      [&] {
        conv.forward(stream, src, dst);
        stream.wait();
      },
      2, repeats);
  Row row{"conv3x3_64", std::to_string(w) + "x" + std::to_string(h),
          "onednn " + std::string(conv.implementations()).substr(4)};
  row.median_ms = med;
  row.min_ms = min;
  row.gflops = spec.flops({h, w}) / (med * 1e6);
  row.peak_mib = peak_rss_mib();
  row.cpu_ms = last_cpu_ms;
  return row;
}

// Rows printed by bench_network_torch.py, one "ROW kind size impl median min
// peak cpu" line each.
std::vector<Row> run_torch(const std::string& python, const std::string& script,
                           const std::string& args) {
  const std::string command = python + " '" + script + "' " + args;
  std::vector<Row> rows;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return rows;
  char buffer[1024];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    std::istringstream line(buffer);
    std::string tag;
    Row row;
    if (line >> tag && tag == "ROW" &&
        line >> row.kind >> row.size >> row.impl >> row.median_ms >> row.min_ms >> row.peak_mib >>
            row.cpu_ms)
      rows.push_back(row);
    else
      std::fputs(buffer, stderr);
  }
  if (pclose(pipe) != 0) std::fprintf(stderr, "bench_network: '%s' failed\n", command.c_str());
  return rows;
}

// "phase ms (share)" for the latest case, per call.
std::string breakdown(Network& net, int calls) {
  const auto t = net.timings();
  double total = 0;
  for (const auto& [name, seconds] : t) total += seconds;
  std::ostringstream s;
  s << "    per call:";
  for (const auto& [name, seconds] : t) {
    char part[128];
    std::snprintf(part, sizeof part, " %s %.1f ms (%.0f%%)", name.c_str(), 1e3 * seconds / calls,
                  100 * seconds / total);
    s << part;
  }
  net.reset_timings();
  return s.str();
}

void print_row(const Row& r) {
  std::printf("%-16s %-9s %-40.40s %10.1f %10.1f %10.1f %8.1f %8.0f %8.0f\n", r.kind.c_str(),
              r.size.c_str(), r.impl.c_str(), r.median_ms, r.min_ms, r.cpu_ms, r.gflops, r.peak_mib,
              r.workspace_mib);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  ismooth::tool::default_to_passive_omp_wait(argv);
  std::vector<std::pair<int, int>> sizes = {{224, 224}, {480, 640}, {720, 1280}};
  int repeats = 5, torch_repeats = 3;
  bool torch = true, train = true;
  std::string json_path, python = "/usr/bin/python3";
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--sizes" && k + 1 < argc) {
      sizes.clear();
      std::stringstream list(argv[++k]);
      std::string item;
      while (std::getline(list, item, ',')) {
        const auto x = item.find('x');
        sizes.push_back({std::stoi(item.substr(x + 1)), std::stoi(item.substr(0, x))});
      }
    } else if (a == "--repeats" && k + 1 < argc) {
      repeats = std::max(1, std::stoi(argv[++k]));
    } else if (a == "--torch-repeats" && k + 1 < argc) {
      torch_repeats = std::max(1, std::stoi(argv[++k]));
    } else if (a == "--no-torch") {
      torch = false;
    } else if (a == "--no-train") {
      train = false;
    } else if (a == "--json" && k + 1 < argc) {
      json_path = argv[++k];
    } else if (a == "--python" && k + 1 < argc) {
      python = argv[++k];
    } else {
      std::fprintf(stderr,
                   "Usage: bench_network [--sizes 224x224,640x480,1280x720] [--repeats N]\n"
                   "                     [--torch-repeats N] [--no-torch] [--no-train]\n"
                   "                     [--json FILE] [--python /usr/bin/python3]\n");
      return 2;
    }
  }
  const int threads = omp_get_max_threads();
  const std::string script = std::string(ISMOOTH_BENCH_DIR) + "/bench_network_torch.py";
  const NetworkConfig config = NetworkConfig::paper();
  EngineOptions options;
  options.collect_timings = true;  // one clock read per phase and layer: negligible here
  auto net = make_network(config, initial_parameters(config), options);
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("%s, %d threads, OMP_WAIT_POLICY=%s, load average %s; paper network (%s)\n",
              net->engine_info().c_str(), threads, policy ? policy : "(unset)",
              load_average().c_str(), config.describe().c_str());
  std::printf("%-16s %-9s %-40s %10s %10s %10s %8s %8s %8s\n", "case", "size", "implementation",
              "median_ms", "min_ms", "cpu_ms", "GFLOP/s", "peak_MiB", "work_MiB");
  std::vector<Row> rows;
  auto add = [&](Row row) {
    print_row(row);
    rows.push_back(std::move(row));
  };
  const std::string torch_common =
      "--threads " + std::to_string(threads) + " --repeats " + std::to_string(torch_repeats);

  for (const auto& [h, w] : sizes) {
    const std::string size = std::to_string(w) + "x" + std::to_string(h);
    const double flops = forward_flops(config, {h, w});
    const Image<float> input = random_image(h, w, 1, 0, 255);
    net->clear_cache();
    reset_peak_rss();
    Image<float> output;
    net->reset_timings();
    const auto [med, min] = time_ms([&] { net->infer(input, output); }, 1, repeats);
    add({"inference", size, "ismooth oneDNN (per-image BN)", med, min, flops / (med * 1e6),
         peak_rss_mib(), net->workspace_bytes() / 1048576.0, last_cpu_ms});
    std::printf("%s\n", breakdown(*net, 1 + repeats).c_str());
    if (torch) {
      for (Row r : run_torch(python, script,
                             "--mode infer --height " + std::to_string(h) + " --width " +
                                 std::to_string(w) + " " + torch_common)) {
        r.gflops = flops / (r.median_ms * 1e6);
        add(r);
      }
    }
  }
  net->clear_cache();

  if (train) {
    const int h = 224, w = 224;
    const std::string size = "224x224";
    // Forward, backward data and backward weights: 3× the forward's FLOPs.
    const double flops = 3 * forward_flops(config, {h, w});
    const Image<float> input = random_image(h, w, 2, 0, 255);
    const Image<float> grad = random_image(h, w, 3, -1, 1);
    Image<float> output;
    Parameters grads, params = net->parameters();
    reset_peak_rss();
    net->reset_timings();
    auto [med, min] = time_ms(
        [&] {
          net->forward(input, output);
          net->backward(grad, grads);
        },
        1, repeats);
    add({"train_step", size, "ismooth oneDNN fwd+bwd", med, min, flops / (med * 1e6),
         peak_rss_mib(), net->workspace_bytes() / 1048576.0, last_cpu_ms});
    std::printf("%s\n", breakdown(*net, 1 + repeats).c_str());
    Adam adam;
    reset_peak_rss();
    std::tie(med, min) = time_ms(
        [&] {
          net->forward(input, output);
          net->backward(grad, grads);
          adam.step(params, grads);
          net->set_parameters(params);
        },
        1, repeats);
    add({"train_step_adam", size, "ismooth oneDNN fwd+bwd+Adam", med, min, flops / (med * 1e6),
         peak_rss_mib(), net->workspace_bytes() / 1048576.0, last_cpu_ms});
    net->clear_cache();
    if (torch) {
      for (Row r :
           run_torch(python, script, "--mode train --height 224 --width 224 " + torch_common)) {
        r.gflops = flops / (r.median_ms * 1e6);
        add(r);
      }
    }
  }

  add(bench_conv(720, 1280, repeats));
  add(bench_conv(360, 640, repeats));

  std::printf("load average at the end: %s\n", load_average().c_str());
  if (!json_path.empty()) {
    std::ofstream json(json_path);
    json << "{\n  \"engine\": \"" << net->engine_info() << "\",\n  \"threads\": " << threads
         << ",\n  \"omp_wait_policy\": \"" << (policy ? policy : "") << "\",\n  \"load_end\": \""
         << load_average() << "\",\n  \"rows\": [\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      auto num = [](double v) { return std::isfinite(v) ? std::to_string(v) : "null"; };
      json << "    {\"case\": \"" << r.kind << "\", \"size\": \"" << r.size << "\", \"impl\": \""
           << r.impl << "\", \"median_ms\": " << num(r.median_ms)
           << ", \"min_ms\": " << num(r.min_ms) << ", \"gflops\": " << num(r.gflops)
           << ", \"peak_mib\": " << num(r.peak_mib)
           << ", \"workspace_mib\": " << num(r.workspace_mib) << "}"
           << (i + 1 < rows.size() ? ",\n" : "\n");
    }
    json << "  ]\n}\n";
  }
  return 0;
}
