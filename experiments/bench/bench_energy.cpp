// Benchmark: value + exact gradient of the default adaptive energy (h = 21)
// at 224×224 and 1280×720, beside the literal scalar reference measured in
// the same run. Prints ms (median of repeats), the process's CPU time per
// evaluation (all threads; what to compare on a loaded machine), pair-terms
// per second and the process's peak resident memory. 224×224 runs twice:
// with the colour weights cached (the default, what solvers use) and
// computed on the fly (what the trainer's loss uses; 720p always is).
//
// Usage: bench_energy [--photo FILE] [--repeats N] [--json FILE]
//
// A pair-term is one ordered pair (i, j) of Eq. 5 and one colour channel. The
// reference is timed once at 224×224 only (it needs minutes at 720p); its
// throughput in pair-terms/s is the yardstick for both sizes.
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "cli/omp_wait_policy.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/reference/flattening_reference.hpp"

using namespace ismooth;
using Clock = std::chrono::steady_clock;
using ismooth::bench::peak_rss_mib;
using ismooth::bench::photo_at;

namespace {

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

/// Median wall ms and median process CPU ms of f() after a warm-up.
template <class F>
std::pair<double, double> median_ms(F&& f, int repeats) {
  f();  // warm-up
  std::vector<double> ms, cpu;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    const double c0 = process_cpu_ms();
    f();
    cpu.push_back(process_cpu_ms() - c0);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  return {ms[ms.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  ismooth::tool::default_to_passive_omp_wait(argv);
  std::string photo_path = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
  std::string json_path;
  int repeats = 5;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--photo" && k + 1 < argc) photo_path = argv[++k];
    else if (a == "--repeats" && k + 1 < argc) repeats = std::max(1, std::stoi(argv[++k]));
    else if (a == "--json" && k + 1 < argc) json_path = argv[++k];
    else {
      std::fprintf(stderr, "Usage: bench_energy [--photo FILE] [--repeats N] [--json FILE]\n");
      return 2;
    }
  }
  try {
    const Image<float> photo = load_image(photo_path);
    std::printf("energy benchmark: smoothing preset, adaptive p map, h = 21, float, %d threads, "
                "photo %s\n", omp_get_max_threads(), photo_path.c_str());
    std::printf("%-10s %-7s %10s %12s %14s %16s %10s %10s\n", "size", "colour", "ms/eval",
                "cpu ms/eval", "Gpairterm/s", "ref Gpairterm/s", "speedup", "peak MiB");
    std::string json = "[";
    double reference_rate = 0;
    // {height, width, colour cache budget}: the default, then none.
    const std::size_t cache = FlatteningTerm<float>::Options{}.colour_cache_bytes;
    const std::vector<std::array<std::size_t, 3>> cases = {
        {224, 224, cache}, {224, 224, 0}, {720, 1280, cache}};
    for (const auto& [h, w, budget] : cases) {
      const Image<float> input = photo_at<float>(photo, h, w);
      Image<float> t = input;
      std::mt19937 rng(1);
      std::uniform_real_distribution<float> noise(-6.f, 6.f);
      for (auto& v : t) v += noise(rng);
      const auto energy = make_energy(input, Preset::smoothing, preset_params(Preset::smoothing),
                                      PresetInputs{}, PMap{}, {.colour_cache_bytes = budget});
      Image<float> g;
      const auto [ms, cpu_ms] = median_ms([&] { energy.EvaluateWithGradient(t, g); }, repeats);
      const bool cached = energy.flattening_term().caches_colour_weights();
      // Ordered pairs × 3 channels; the kernel visits each unordered pair once.
      const double pair_terms = 2.0 * 3.0 * double(energy.flattening_term().pairs_per_evaluation());
      if (reference_rate == 0) {
        const Mask m = energy.l2_mask(t);
        Image<float> g_ref = make_image<float>(h, w);
        const auto t0 = Clock::now();
        reference::flattening_energy(input, t, energy.edge_term().edges(), m, energy.params(), 1,
                                     &g_ref);
        const double ref_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        reference_rate = pair_terms / (ref_ms * 1e-3);
      }
      const double rate = pair_terms / (ms * 1e-3);
      const double peak = peak_rss_mib();
      std::printf("%4zux%-5zu %-7s %10.2f %12.2f %14.3f %16.3f %9.1fx %10.1f\n", w, h,
                  cached ? "cached" : "on-fly", ms, cpu_ms, rate * 1e-9, reference_rate * 1e-9,
                  rate / reference_rate, peak);
      char row[512];
      std::snprintf(row, sizeof row,
                    "%s{\"width\": %zu, \"height\": %zu, \"ms\": %.4f, \"cpu_ms\": %.4f, "
                    "\"pair_terms_per_s\": %.6g, "
                    "\"reference_pair_terms_per_s\": %.6g, \"speedup\": %.3f, "
                    "\"colour_cache\": %s, \"peak_rss_mib\": %.1f, \"threads\": %d}",
                    json.size() > 1 ? ", " : "", w, h, ms, cpu_ms, rate, reference_rate,
                    rate / reference_rate,
                    cached ? "true" : "false", peak,
                    omp_get_max_threads());
      json += row;
    }
    json += "]\n";
    if (!json_path.empty()) std::ofstream(json_path) << json;
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_energy: error: %s\n", e.what());
    return 1;
  }
}
