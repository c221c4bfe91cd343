// Benchmark of the smoothing network on the oneDNN CPU engine, in fp32 and
// bf16, beside the machine's peak and the same network in PyTorch (CPU),
// all measured in the same run (PyTorch by bench_network_torch.py):
//   * the peak: an fp32 FMA loop (vfmadd, AVX-512) and a bf16 dot-product
//     loop (vdpbf16ps, AVX512-BF16) on every OpenMP thread, 12 independent
//     chains each; compiled with target attributes, so the build needs no
//     global flags, and skipped where the CPU lacks the instructions,
//   * inference at 224×224, 640×480 and 1280×720,
//   * one training step at 224×224 on a photo's crop: the network only
//     (forward + backward with a fixed dL/dT), and the full step with the
//     energy (train_pass on the paper's loss: forward, E and ∂E/∂T,
//     backward; then Adam and the weight reorders), its crop's loss (B,
//     guidance) prepared beforehand (that time is printed apart); then, in
//     turns, forward + backward alone, a network-only training step (with
//     Adam and new weights) and the full step timed piece by piece with the
//     next crop's loss built meanwhile on a helper thread, as the trainer
//     does (step_pairs: the 1.15× target's measure),
//   * one 64→64 3×3 convolution at 1280×720 and at 640×360 (the blocks'
//     resolution), the throughput yardstick for the whole network.
// Prints median ms, GFLOP/s (forward: ≈ 0.571 MFLOP per pixel; a training
// step counts 3× the forward), and peak resident memory per case, then a
// summary: each case as a fraction of the matching peak (fp32 peak for fp32,
// bf16 peak for bf16), bf16 against our fp32, and both against PyTorch.
//
// Usage: bench_network [--sizes 224x224,640x480,1280x720] [--repeats N]
//                      [--torch-repeats N] [--no-torch] [--no-train]
//                      [--no-bf16] [--json FILE] [--python /usr/bin/python3]
//                      [--photo FILE] [--pause sleep|spin]
// --pause: a diagnosis of the in-turns steps (step_pairs below).
// --photo: the training steps' crop is its top-left 224×224 (mirrored if
// smaller); default scikit-image's astronaut (python3-skimage), as
// bench_energy. Inference runs on noise: its cost does not depend on the
// content.
//
// Peak memory: the process's VmHWM is reset (/proc/self/clear_refs) before
// each case, so each row reports the high-water mark of that case alone
// (including the process's baseline). PyTorch runs in a child process per
// case and reports its own the same way.
#include <immintrin.h>
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.hpp"
#include "cli/omp_wait_policy.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/adam_optimizer.hpp"
#include "ismooth/network/network.hpp"
#include "ismooth/network/trainer.hpp"
#include "ismooth/network/training_loss.hpp"
#include "onednn/onednn_conv.hpp"

using namespace ismooth;
using namespace ismooth::network;
using Clock = std::chrono::steady_clock;

namespace {

struct Row {
  std::string kind;  // inference, train_step, train_step_energy, conv3x3_64
  std::string size;  // WxH
  std::string impl;
  std::string precision = "fp32";
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

// Where the full step's time goes, and the full step against the network
// alone, measured in turns: each repeat times, one after the other,
//   1. the network's forward + backward alone: `frozen` with the fixed
//      dL/dT `grad`, its weights never changing (so never reordered);
//   2. a network-only training step: `updated`, forward + backward with
//      `grad`, then Adam and set_parameters, whose new weights its next
//      forward reorders: a training step with everything but the energy;
//   3. the full step of `net` in pieces (host_train_pass's forward, E and
//      ∂E/∂T, backward; then Adam and set_parameters), with the next
//      crop's loss (its structure edges B and guidance) built meanwhile on a
//      helper thread of one OpenMP thread, started with the step and waited
//      for at its end, as the trainer does (train_network.cpp). Just before
//      it, the same step with that loss built after it on the caller's
//      threads instead (printed apart: does the helper pay on this machine?).
// The 1.15× target compares 3 with 2: what the energy adds to a training
// step, its preparation's share of the cores included. 3 against 1 is
// printed too. The rows above are measured one after the other, and on a
// shared machine their medians drifted apart by ±20% between runs; the
// ratio of neighbouring steps is the steadier measure.
//
// `pause` (--pause sleep|spin, a diagnosis): in step 3 the energy is
// replaced by 15 ms of sleep, or of a spin loop on every OpenMP thread (no
// memory traffic), and backward gets the dL/dT of one evaluation before
// the loop: how much slower the network runs after any pause of the
// energy's length, whatever fills it.
enum class Pause { none, sleep, spin };

struct StepPairs {
  double network_ms = NAN, full_ms = NAN, ratio = NAN, ratio_min = NAN, ratio_max = NAN;
  double forward_backward_ms = NAN, strict_ratio = NAN;  ///< against step 1
};

StepPairs step_pairs(Network& frozen, Network& updated, Network& net, const Image<float>& crop,
                     const TrainingLoss& loss, const Image<float>& grad, AdamOptimizer& adam,
                     Parameters& params, Parameters& grads, int repeats, Pause pause) {
  Parameters frozen_grads, updated_grads, updated_params = updated.parameters();
  AdamOptimizer updated_adam(updated_params, AdamSettings{});
  const char* names[] = {"forward", "energy", "backward", "Adam", "set_parameters"};
  std::vector<double> ms[5], forward_backward, network, network_part, full, full_part, ratio,
      strict, inline_ratio, helper;
  Image<float> t, dt, out;
  const auto since = [](Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  if (pause != Pause::none) {
    net.forward(loss.input(), t);
    loss.evaluate(t, &dt);
  }
  for (int r = 0; r <= repeats; ++r) {
    auto n0 = Clock::now();
    frozen.forward(loss.input(), out);
    frozen.backward(grad, frozen_grads);
    const double forward_backward_ms = since(n0);
    n0 = Clock::now();
    updated.forward(loss.input(), out);
    updated.backward(grad, updated_grads);
    const double updated_part_ms = since(n0);
    updated_adam.step(updated_params, updated_grads);
    updated.set_parameters(updated_params);
    const double network_ms = since(n0);
    // The full step; `on_helper`: the next crop's loss is built on a helper
    // thread during it, as the trainer does, else on the caller's threads
    // after it. `at`: its pieces' ends.
    double at[6], helper_ms = 0;
    const auto full_step = [&](bool on_helper) {
      const auto build = [&crop] {
        return make_paper_loss(crop, Preset::smoothing,
                               default_training_params(Preset::smoothing), PMapKind::adaptive);
      };
      const auto t0 = Clock::now();
      const auto mark = [&](int k) { at[k] = since(t0); };
      std::future<std::unique_ptr<TrainingLoss>> next;
      if (on_helper)
        next = std::async(std::launch::async, [&build, &helper_ms] {
          omp_set_num_threads(1);
          const auto h0 = Clock::now();
          auto built = build();
          helper_ms = std::chrono::duration<double, std::milli>(Clock::now() - h0).count();
          return built;
        });
      mark(0);
      net.forward(loss.input(), t);
      mark(1);
      if (pause == Pause::none) {
        loss.evaluate(t, &dt);
      } else if (pause == Pause::sleep) {
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
      } else {
        const auto s0 = Clock::now();
#pragma omp parallel
        {
          volatile double x = 1;
          while (since(s0) < 15.0)
            for (int k = 0; k < 1000; ++k) x = x * 1.0000001;
        }
      }
      mark(2);
      net.backward(dt, grads);
      mark(3);
      adam.step(params, grads);
      mark(4);
      net.set_parameters(params);
      mark(5);
      if (on_helper)
        next.get();
      else
        build();
      return since(t0);
    };
    const double inline_ms = full_step(false);
    const double full_ms = full_step(true);
    if (r == 0) continue;  // warm-up
    for (int k = 0; k < 5; ++k) ms[k].push_back(at[k + 1] - at[k]);
    forward_backward.push_back(forward_backward_ms);
    network.push_back(network_ms);
    network_part.push_back(updated_part_ms);
    full.push_back(full_ms);
    full_part.push_back(at[1] - at[0] + at[3] - at[2]);
    ratio.push_back(full_ms / network_ms);
    strict.push_back(full_ms / forward_backward_ms);
    inline_ratio.push_back(inline_ms / network_ms);
    helper.push_back(helper_ms);
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::string split = "    full step split (median ms):";
  for (int k = 0; k < 5; ++k) {
    char part[64];
    std::snprintf(part, sizeof part, " %s %.1f", names[k], median(ms[k]));
    split += part;
  }
  std::printf("%s%s; the next crop's loss meanwhile on the helper thread %.1f\n", split.c_str(),
              pause == Pause::none ? ""
              : pause == Pause::sleep ? " (--pause sleep: 15 ms of sleep for the energy)"
                                      : " (--pause spin: 15 ms of spinning for the energy)",
              median(helper));
  StepPairs p{median(network),
              median(full),
              median(ratio),
              *std::min_element(ratio.begin(), ratio.end()),
              *std::max_element(ratio.begin(), ratio.end()),
              median(forward_backward),
              median(strict)};
  std::printf(
      "    in turns (%d repeats): forward+backward alone %.1f ms, network-only training step "
      "(+ Adam, new weights) %.1f ms, full step %.1f ms (medians); full / network-only of each "
      "repeat: median %.2fx, range %.2f-%.2fx; full / forward+backward alone: median %.2fx\n",
      repeats, p.forward_backward_ms, p.network_ms, p.full_ms, p.ratio, p.ratio_min, p.ratio_max,
      p.strict_ratio);
  std::printf(
      "    the network's forward+backward: %.1f ms in the full step, %.1f ms in the network-only "
      "step (medians; %+.1f ms); the full step with the next crop's loss built after it on the "
      "caller's threads instead of the helper's: median %.2fx the network-only step\n",
      median(full_part), median(network_part), median(full_part) - median(network_part),
      median(inline_ratio));
  return p;
}

// ---------------------------------------------------------------- peaks

// Twelve independent chains per thread: enough to cover the latency of two
// FMA (or dot-product) pipes on current cores. Returns a value that depends
// on every chain, so nothing is optimised away.
__attribute__((target("avx512f"))) float fma_chains(long iterations) {
  __m512 a[12];
  for (int j = 0; j < 12; ++j) a[j] = _mm512_set1_ps(1.0f + 0.001f * float(j));
  const __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i)
    for (int j = 0; j < 12; ++j) a[j] = _mm512_fmadd_ps(a[j], b, c);
  __m512 sum = a[0];
  for (int j = 1; j < 12; ++j) sum = _mm512_add_ps(sum, a[j]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx512f,avx512bf16"))) float dpbf16_chains(long iterations) {
  __m512 a[12];
  for (int j = 0; j < 12; ++j) a[j] = _mm512_set1_ps(0.001f * float(j));
  // bf16 pairs 1.0 (0x3F80) and 2^-20 (0x3580): tiny increments, no overflow.
  const __m512bh x = (__m512bh)_mm512_set1_epi16(0x3F80);
  const __m512bh y = (__m512bh)_mm512_set1_epi16(0x3580);
  for (long i = 0; i < iterations; ++i)
    for (int j = 0; j < 12; ++j) a[j] = _mm512_dpbf16_ps(a[j], x, y);
  __m512 sum = a[0];
  for (int j = 1; j < 12; ++j) sum = _mm512_add_ps(sum, a[j]);
  return _mm512_reduce_add_ps(sum);
}

// GFLOP/s of `chains(iterations)` on every OpenMP thread at once, counting
// `flops_per_iteration` per thread and iteration: per wall second and per
// CPU second (all threads; the rate while running, which other processes on
// the machine disturb less); the best of three runs each.
struct Peak {
  double wall = 0, cpu = 0;
};

template <class F>
Peak peak_gflops(F chains, double flops_per_iteration) {
  const long iterations = 20'000'000;
  Peak best;
  volatile float sink = 0;
  for (int run = 0; run < 3; ++run) {
    int threads = 1;
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
#pragma omp parallel
    {
      const float v = chains(iterations);
#pragma omp critical
      sink = sink + v;
#pragma omp single
      threads = omp_get_num_threads();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu_seconds() - c0;
    const double gflop = threads * flops_per_iteration * double(iterations) / 1e9;
    best.wall = std::max(best.wall, gflop / seconds);
    best.cpu = std::max(best.cpu, gflop / cpu * threads);
  }
  return best;
}

// One 64→64 3×3 convolution (nhwc, format `any` weights) as the engine runs
// its hidden layers: the best the network's convolutions can do at this size.
Row bench_conv(int h, int w, int repeats, Precision precision) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  LayerSpec spec;
  spec.in_channels = spec.out_channels = 64;
  const auto type =
      precision == Precision::bf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
  network::detail::ConvLayer conv(engine, spec, {h, w}, type);
  std::vector<char> scratch(conv.scratchpad_bytes() + 64);
  conv.bind_scratchpad(
      reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(scratch.data()) + 63) & ~63ull));
  std::vector<float> weights(64 * 64 * 9, 0.01f);
  conv.set_weights(stream, weights.data(), nullptr);
  dnnl::memory src(network::detail::activation_desc(64, {h, w}, type), engine),
      dst(network::detail::activation_desc(64, {h, w}), engine);
  std::memset(src.get_data_handle(), 0, src.get_desc().get_size());
  reset_peak_rss();
  const auto [med, min] = time_ms(
      [&] {
        conv.forward(stream, src, dst);
        stream.wait();
      },
      2, repeats);
  Row row{"conv3x3_64", std::to_string(w) + "x" + std::to_string(h),
          "onednn " + std::string(conv.implementations(true)).substr(4), to_string(precision)};
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
            row.cpu_ms) {
      row.precision = row.impl.find("bf16") != std::string::npos ? "bf16" : "fp32";
      rows.push_back(row);
    } else
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
  std::printf("%-17s %-9s %-4s %-40.40s %10.1f %10.1f %10.1f %8.1f %8.0f %8.0f\n", r.kind.c_str(),
              r.size.c_str(), r.precision.c_str(), r.impl.c_str(), r.median_ms, r.min_ms, r.cpu_ms,
              r.gflops, r.peak_mib, r.workspace_mib);
  std::fflush(stdout);
}

// The summary: per case, ours in fp32 and bf16 as fractions of the matching
// peak (by wall time, and by CPU time: GFLOP per CPU second × threads, which
// a shared machine distorts less), bf16 against fp32 (wall and CPU time),
// and against PyTorch's fastest row of the same case (either precision; the
// BN-folded variant, other maths, excluded).
void print_summary(const std::vector<Row>& rows, Peak fp32_peak, Peak bf16_peak, int threads,
                   const std::map<std::string, StepPairs>& in_turns) {
  auto find = [&](const std::string& kind, const std::string& size, const char* precision,
                  bool torch) -> const Row* {
    const Row* best = nullptr;
    for (const Row& r : rows) {
      const bool is_torch = r.impl.rfind("pytorch", 0) == 0;
      if (r.kind != kind || r.size != size || is_torch != torch) continue;
      if (r.impl.find("other_maths") != std::string::npos) continue;
      if (precision != nullptr && r.precision != precision) continue;
      if (best == nullptr || r.median_ms < best->median_ms) best = &r;
    }
    return best;
  };
  std::printf(
      "\nsummary (peaks: fp32 %.0f GFLOP/s wall, %.0f by CPU time; bf16 %.0f wall, %.0f "
      "by CPU time)\n",
      fp32_peak.wall, fp32_peak.cpu, bf16_peak.wall, bf16_peak.cpu);
  std::printf("%-17s %-9s %9s %9s %7s %7s %7s %7s %7s %7s %10s %9s %9s\n", "case", "size",
              "fp32_ms", "bf16_ms", "bf16_x", "cpu_x", "f32%pk", "f32%cpu", "b16%pk", "b16%cpu",
              "torch_ms", "fp32/pt", "bf16/pt");
  std::vector<std::pair<std::string, std::string>> cases;
  for (const Row& r : rows)
    if (r.impl.rfind("pytorch", 0) != 0 &&
        std::find(cases.begin(), cases.end(), std::pair{r.kind, r.size}) == cases.end())
      cases.emplace_back(r.kind, r.size);
  for (const auto& [kind, size] : cases) {
    const Row* f = find(kind, size, "fp32", false);
    const Row* b = find(kind, size, "bf16", false);
    // PyTorch has no energy: the network-only rows stand beside ours.
    const Row* t = kind == "train_step_energy" ? nullptr : find(kind, size, nullptr, true);
    auto ms = [](const Row* r) { return r != nullptr ? r->median_ms : NAN; };
    auto pct = [](const Row* r, double peak) {
      return r != nullptr && peak > 0 ? 100 * r->gflops / peak : NAN;
    };
    // GFLOP/s while running: the wall rate scaled by wall/CPU time × threads.
    auto pct_cpu = [&](const Row* r, double peak) {
      return r != nullptr && peak > 0
                 ? 100 * r->gflops * (r->median_ms / r->cpu_ms) * threads / peak
                 : NAN;
    };
    const double cpu_ratio = f != nullptr && b != nullptr ? f->cpu_ms / b->cpu_ms : NAN;
    std::printf(
        "%-17s %-9s %9.1f %9.1f %6.2fx %6.2fx %6.0f%% %6.0f%% %6.0f%% %6.0f%% %10.1f %8.2fx "
        "%8.2fx\n",
        kind.c_str(), size.c_str(), ms(f), ms(b), ms(f) / ms(b), cpu_ratio, pct(f, fp32_peak.wall),
        pct_cpu(f, fp32_peak.cpu), pct(b, bf16_peak.wall), pct_cpu(b, bf16_peak.cpu), ms(t),
        ms(t) / ms(f), ms(t) / ms(b));
  }
  // Issue 15's last target: the full step (energy and Adam included) at most
  // 1.15× the network-only step, per precision, by wall and by CPU time.
  for (const char* precision : {"fp32", "bf16"}) {
    const Row* net = find("train_step", "224x224", precision, false);
    const Row* full = find("train_step_energy", "224x224", precision, false);
    if (net == nullptr || full == nullptr) continue;
    std::printf(
        "step with the energy vs network-only, %s 224x224: %.2fx wall (%.1f / %.1f ms), %.2fx "
        "CPU time (%.1f / %.1f ms); target <= 1.15x\n",
        precision, full->median_ms / net->median_ms, full->median_ms, net->median_ms,
        full->cpu_ms / net->cpu_ms, full->cpu_ms, net->cpu_ms);
    if (const auto it = in_turns.find(precision); it != in_turns.end())
      std::printf(
          "  measured in turns against the network-only training step (the target's measure): "
          "%.2fx, range %.2f-%.2fx; against forward+backward alone: %.2fx\n",
          it->second.ratio, it->second.ratio_min, it->second.ratio_max, it->second.strict_ratio);
  }
}
}  // namespace

int main(int argc, char** argv) {
  ismooth::tool::default_to_passive_omp_wait(argv);
  std::vector<std::pair<int, int>> sizes = {{224, 224}, {480, 640}, {720, 1280}};
  int repeats = 5, torch_repeats = 3;
  bool torch = true, train = true, bf16 = true;
  Pause pause = Pause::none;
  std::string json_path, python = "/usr/bin/python3";
  std::string photo_path = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
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
    } else if (a == "--no-bf16") {
      bf16 = false;
    } else if (a == "--json" && k + 1 < argc) {
      json_path = argv[++k];
    } else if (a == "--python" && k + 1 < argc) {
      python = argv[++k];
    } else if (a == "--photo" && k + 1 < argc) {
      photo_path = argv[++k];
    } else if (a == "--pause" && k + 1 < argc &&
               (std::strcmp(argv[k + 1], "sleep") == 0 || std::strcmp(argv[k + 1], "spin") == 0)) {
      pause = std::strcmp(argv[++k], "sleep") == 0 ? Pause::sleep : Pause::spin;
    } else {
      std::fprintf(stderr,
                   "Usage: bench_network [--sizes 224x224,640x480,1280x720] [--repeats N]\n"
                   "                     [--torch-repeats N] [--no-torch] [--no-train]\n"
                   "                     [--no-bf16] [--json FILE] [--python /usr/bin/python3]\n"
                   "                     [--photo FILE] [--pause sleep|spin]\n");
      return 2;
    }
  }
  const int threads = omp_get_max_threads();
  const std::string script = std::string(ISMOOTH_BENCH_DIR) + "/bench_network_torch.py";
  Image<float> photo_crop;
  if (train) {
    try {
      photo_crop = ismooth::bench::photo_at<float>(load_image(photo_path), 224, 224);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_network: %s (--photo FILE: the training crop's photo)\n",
                   e.what());
      return 1;
    }
  }
  const NetworkConfig config = NetworkConfig::paper();
  std::string why;
  if (bf16 && !precision_available(EngineKind::onednn_cpu, Precision::bf16, &why)) {
    std::printf("no bf16 cases: %s\n", why.c_str());
    bf16 = false;
  }
  std::vector<Precision> precisions = {Precision::fp32};
  if (bf16) precisions.push_back(Precision::bf16);
  std::vector<std::unique_ptr<Network>> nets;
  for (Precision p : precisions) {
    EngineOptions options;
    options.collect_timings = true;  // one clock read per phase and layer: negligible here
    options.precision = p;
    nets.push_back(make_network(config, initial_parameters(config), options));
  }
  // The network-only sides of the steps measured in turns (step_pairs):
  // forward + backward alone, and a training step without the energy.
  std::vector<std::unique_ptr<Network>> frozen, updated;
  if (train)
    for (Precision p : precisions) {
      EngineOptions options;
      options.precision = p;
      frozen.push_back(make_network(config, initial_parameters(config), options));
      updated.push_back(make_network(config, initial_parameters(config), options));
    }
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("%s, %d threads, OMP_WAIT_POLICY=%s, load average %s; paper network (%s)\n",
              nets[0]->engine_info().c_str(), threads, policy ? policy : "(unset)",
              load_average().c_str(), config.describe().c_str());

  // The machine's peaks, in this run: at the start and again at the end,
  // the higher kept (on a shared machine one of them may be crowded out).
  Peak fp32_peak, bf16_peak;  // 0 where the CPU lacks the instructions
  auto measure_peaks = [&](const char* when) {
    const Peak f =
        __builtin_cpu_supports("avx512f") ? peak_gflops(fma_chains, 12 * 16 * 2) : Peak{};
    const Peak b =
        __builtin_cpu_supports("avx512bf16") ? peak_gflops(dpbf16_chains, 12 * 32 * 2) : Peak{};
    std::printf(
        "peak (%s): fp32 FMA loop %.0f GFLOP/s (%.0f by CPU time), bf16 dot-product loop "
        "(vdpbf16ps) %.0f GFLOP/s (%.0f by CPU time)\n",
        when, f.wall, f.cpu, b.wall, b.cpu);
    fp32_peak = {std::max(fp32_peak.wall, f.wall), std::max(fp32_peak.cpu, f.cpu)};
    bf16_peak = {std::max(bf16_peak.wall, b.wall), std::max(bf16_peak.cpu, b.cpu)};
  };
  measure_peaks("start");

  std::printf("%-17s %-9s %-4s %-40s %10s %10s %10s %8s %8s %8s\n", "case", "size", "prec",
              "implementation", "median_ms", "min_ms", "cpu_ms", "GFLOP/s", "peak_MiB", "work_MiB");
  std::vector<Row> rows;
  std::map<std::string, StepPairs> in_turns;  // per precision
  auto add = [&](Row row) {
    print_row(row);
    rows.push_back(std::move(row));
  };
  const std::string torch_common =
      "--threads " + std::to_string(threads) + " --repeats " + std::to_string(torch_repeats);
  auto torch_rows = [&](const std::string& args, double flops) {
    if (!torch) return;
    for (const char* p : {"fp32", "bf16"}) {
      if (std::string(p) == "bf16" && !bf16) continue;
      for (Row r : run_torch(python, script, args + " --precision " + p + " " + torch_common)) {
        r.gflops = flops / (r.median_ms * 1e6);
        add(r);
      }
    }
  };

  for (const auto& [h, w] : sizes) {
    const std::string size = std::to_string(w) + "x" + std::to_string(h);
    const double flops = forward_flops(config, {h, w});
    const Image<float> input = random_image(h, w, 1, 0, 255);
    for (std::size_t i = 0; i < nets.size(); ++i) {
      Network& net = *nets[i];
      net.clear_cache();
      reset_peak_rss();
      Image<float> output;
      net.reset_timings();
      const auto [med, min] = time_ms([&] { net.infer(input, output); }, 1, repeats);
      add({"inference", size, "ismooth oneDNN (per-image BN)", to_string(precisions[i]), med, min,
           flops / (med * 1e6), peak_rss_mib(), net.workspace_bytes() / 1048576.0, last_cpu_ms});
      std::printf("%s\n", breakdown(net, 1 + repeats).c_str());
      net.clear_cache();
    }
    torch_rows("--mode infer --height " + std::to_string(h) + " --width " + std::to_string(w),
               flops);
  }

  if (train) {
    const int h = 224, w = 224;
    const std::string size = "224x224";
    // Forward, backward data and backward weights: 3× the forward's FLOPs.
    const double flops = 3 * forward_flops(config, {h, w});
    // A photo's crop, as the trainer sees: on noise most colour weights
    // fall below the floor and the energy skips most of its powers, which
    // made it look much cheaper than on photos.
    const Image<float> input = photo_crop;
    const Image<float> grad = random_image(h, w, 3, -1, 1);
    // The loss of the crop, built once as the trainer's helper thread does.
    const auto p0 = Clock::now();
    const std::unique_ptr<TrainingLoss> loss = make_paper_loss(
        input, Preset::smoothing, default_training_params(Preset::smoothing), PMapKind::adaptive);
    const double prepare_ms = std::chrono::duration<double, std::milli>(Clock::now() - p0).count();
    for (std::size_t i = 0; i < nets.size(); ++i) {
      Network& net = *nets[i];
      const std::string precision = to_string(precisions[i]);
      Image<float> output;
      Parameters grads, params = net.parameters();
      reset_peak_rss();
      net.reset_timings();
      auto [med, min] = time_ms(
          [&] {
            net.forward(input, output);
            net.backward(grad, grads);
          },
          1, repeats);
      add({"train_step", size, "ismooth oneDNN fwd+bwd (network only)", precision, med, min,
           flops / (med * 1e6), peak_rss_mib(), net.workspace_bytes() / 1048576.0, last_cpu_ms});
      std::printf("%s\n", breakdown(net, 1 + repeats).c_str());
      AdamOptimizer adam(params, AdamSettings{});
      reset_peak_rss();
      bool finite = true;
      std::tie(med, min) = time_ms(
          [&] {
            net.train_pass(*loss, grads, &finite);
            adam.step(params, grads);
            net.set_parameters(params);
          },
          1, repeats);
      add({"train_step_energy", size, "ismooth train_pass(energy)+Adam", precision, med, min,
           flops / (med * 1e6), peak_rss_mib(), net.workspace_bytes() / 1048576.0, last_cpu_ms});
      // With --pause the steps in turns are a diagnosis, not the target's measure.
      const StepPairs pairs = step_pairs(*frozen[i], *updated[i], net, input, *loss, grad, adam,
                                         params, grads, std::max(repeats, 9), pause);
      if (pause == Pause::none) in_turns[precision] = pairs;
      // What new weights cost the next step: set_parameters makes the engine
      // reorder (and in bf16 convert) them in the next forward.
      const auto [fwd_ms, fwd_min] = time_ms([&] { net.forward(input, output); }, 1, repeats);
      const double fwd_cpu = last_cpu_ms;
      const auto [new_ms, new_min] = time_ms(
          [&] {
            net.set_parameters(params);
            net.forward(input, output);
          },
          1, repeats);
      std::printf(
          "    %s: new weights (set_parameters, then forward) cost the next forward %.1f ms "
          "wall, %.1f ms CPU time more than unchanged weights (%.1f ms, %.1f ms CPU)\n",
          precision.c_str(), new_ms - fwd_ms, last_cpu_ms - fwd_cpu, fwd_ms, fwd_cpu);
      net.set_parameters(initial_parameters(config));
      net.clear_cache();
    }
    // The energy alone at T = the fp32 network's output: E(T) and ∂E/∂T.
    Image<float> t = nets[0]->infer(input), dt;
    const auto [energy_ms, energy_min] = time_ms([&] { loss->evaluate(t, &dt); }, 1, repeats);
    std::printf(
        "    the energy at 224x224 (E and dE/dT, in each step above): %.1f ms median, "
        "%.1f min, %.1f ms CPU time; the crop's loss (structure edges B, guidance), prepared "
        "on the trainer's helper thread: %.1f ms\n",
        energy_ms, energy_min, last_cpu_ms, prepare_ms);
    torch_rows("--mode train --height 224 --width 224", flops);
  }

  for (Precision p : precisions) {
    add(bench_conv(720, 1280, repeats, p));
    add(bench_conv(360, 640, repeats, p));
  }

  measure_peaks("end");
  print_summary(rows, fp32_peak, bf16_peak, threads, in_turns);
  std::printf("load average at the end: %s\n", load_average().c_str());
  if (!json_path.empty()) {
    std::ofstream json(json_path);
    auto num = [](double v) { return std::isfinite(v) ? std::to_string(v) : "null"; };
    json << "{\n  \"engine\": \"" << nets[0]->engine_info() << "\",\n  \"threads\": " << threads
         << ",\n  \"omp_wait_policy\": \"" << (policy ? policy : "") << "\",\n  \"load_end\": \""
         << load_average() << "\",\n  \"fp32_peak_gflops\": " << num(fp32_peak.wall)
         << ",\n  \"bf16_peak_gflops\": " << num(bf16_peak.wall)
         << ",\n  \"fp32_peak_gflops_cpu\": " << num(fp32_peak.cpu)
         << ",\n  \"bf16_peak_gflops_cpu\": " << num(bf16_peak.cpu);
    for (const auto& [precision, p] : in_turns)
      json << ",\n  \"step_ratio_in_turns_" << precision << "\": " << num(p.ratio)
           << ",\n  \"step_ratio_to_forward_backward_" << precision << "\": "
           << num(p.strict_ratio);
    json << ",\n  \"rows\": [\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      json << "    {\"case\": \"" << r.kind << "\", \"size\": \"" << r.size
           << "\", \"precision\": \"" << r.precision << "\", \"impl\": \"" << r.impl
           << "\", \"median_ms\": " << num(r.median_ms) << ", \"min_ms\": " << num(r.min_ms)
           << ", \"cpu_ms\": " << num(r.cpu_ms) << ", \"gflops\": " << num(r.gflops)
           << ", \"peak_mib\": " << num(r.peak_mib)
           << ", \"workspace_mib\": " << num(r.workspace_mib) << "}"
           << (i + 1 < rows.size() ? ",\n" : "\n");
    }
    json << "  ]\n}\n";
  }
  return 0;
}
