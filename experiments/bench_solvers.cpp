// Benchmark: IRLS with each linear-solver backend on the paper's energy
// (smoothing preset, h = 21, λ_e = 0, fixed p map) at 224×224 and 640×480 of
// a real photo (mirrored/tiled as in bench_energy), started at T = I. Reports
// seconds until the relative energy change falls below 1e-4, iterations,
// final energy, the time split (assembly / factorisation / solve), CG
// iterations, the CHOLMOD factor size, and the peak resident memory (VmHWM)
// of each configuration, each run in its own forked process so peaks are per
// configuration.
//
// Usage: bench_solvers [--photo FILE] [--sizes 224x224,640x480]
//                      [--backends cholmod,pcg] [--map l08|half|l2|adaptive]
//                      [--shared] [--epsilon D] [--max-iterations N]
//                      [--tolerance T] [--memory-limit-gib G]
//                      [--time-limit S] [--max-factor-tflop F] [--json FILE]
//
// --time-limit S (default 60, 0 = none) stops a configuration after the
// first iteration that ends past S seconds; the table then says "not
// reached" and gives the energy and relative change at the stop, so the
// default run stays within a few minutes on 2 cores. Measured full runs are
// in the header of include/ismooth/solvers/irls.hpp.
//
// A configuration whose predicted memory exceeds the limit (default 16 GiB)
// is skipped with a note: for CHOLMOD the child analyses the pattern first
// and reads the factor size CHOLMOD predicts (analysis itself is cheap in
// memory), plus the matrices (12 bytes per stored entry, three matrices with
// per-channel weights).
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ismooth/image_io.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/solvers/irls.hpp"

using namespace ismooth;

namespace {

Image<double> photo_at(const Image<float>& photo, std::size_t h, std::size_t w) {
  Image<double> out = make_image<double>(h, w);
  const std::size_t ph = height(photo), pw = width(photo);
  auto mirror = [](std::size_t v, std::size_t n) {
    const std::size_t period = 2 * n, m = v % period;
    return m < n ? m : period - 1 - m;
  };
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) out(c, y, x) = photo(c, mirror(y, ph), mirror(x, pw));
  return out;
}

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

struct Config {
  std::size_t h, w;
  IrlsOptions::LinearSolver backend;
};

struct Settings {
  std::string photo = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
  std::vector<std::array<std::size_t, 2>> sizes = {{224, 224}, {480, 640}};
  std::vector<IrlsOptions::LinearSolver> backends = {IrlsOptions::LinearSolver::cholmod,
                                                     IrlsOptions::LinearSolver::pcg};
  PMapKind map = PMapKind::all_lp;
  bool shared = false;
  double epsilon = IrlsOptions{}.epsilon;
  int max_iterations = 30;
  double tolerance = 1e-4;
  double memory_limit_gib = 16;
  double time_limit = 60;
  double max_factor_tflop = 1;
  std::string json;
};

/// Runs one configuration (in the child) and returns one JSON object.
std::string run_config(const Settings& s, const Config& c) {
  const Image<float> photo = load_image(s.photo);
  const Image<double> input = photo_at(photo, c.h, c.w);
  EnergyParams params = preset_params(Preset::smoothing);
  params.lambda_e = 0;
  const auto energy = make_energy(input, Preset::smoothing, params, {}, PMap{s.map});
  IrlsOptions o;
  o.linear_solver = c.backend;
  o.max_iterations = s.max_iterations;
  o.function_tolerance = s.tolerance;
  o.per_channel_matrices = !s.shared;
  o.epsilon = s.epsilon;
  char buf[1024];
  // Memory prediction before the solve.
  {
    QuadraticMajoriser q;
    q.epsilon = o.epsilon;
    q.per_channel = o.per_channel_matrices;
    energy.Majorise(input, q);
    const double nnz = double(q.has_channel_matrices() ? q.channel_A[0].nonZeros() : q.A.nonZeros());
    const double matrices_gib = nnz * 12.0 * (q.has_channel_matrices() ? 3 : 1) / (1 << 30);
    double factor_gib = 0, tflop = 0;
    if (c.backend == IrlsOptions::LinearSolver::cholmod) {
      CholmodSolver probe;
      probe.analyzePattern(q.has_channel_matrices() ? q.channel_A[0] : q.A);
      factor_gib = probe.statistics()["factor_mib"] / 1024.0;
      tflop = probe.statistics()["factor_flops"] * 1e-12;
    }
    const bool too_big = matrices_gib + factor_gib > s.memory_limit_gib;
    const bool too_slow = s.max_factor_tflop > 0 && tflop > s.max_factor_tflop;
    if (too_big || too_slow) {
      std::snprintf(buf, sizeof buf,
                    "{\"width\": %zu, \"height\": %zu, \"backend\": \"%s\", \"skipped\": true, "
                    "\"reason\": \"%s\", \"predicted_gib\": %.2f, \"matrix_nnz\": %.0f, "
                    "\"factor_gib\": %.2f, \"factor_tflop\": %.2f}",
                    c.w, c.h, to_string(c.backend), too_big ? "memory" : "factorisation flops",
                    matrices_gib + factor_gib, nnz, factor_gib, tflop);
      return buf;
    }
  }
  Image<double> t = input;
  if (s.time_limit > 0)
    o.callback = [&](const IterationRecord& r) {
      return r.seconds > s.time_limit ? CallbackReturn::stop_with_success
                                      : CallbackReturn::continue_solving;
    };
  const Summary summary = solve_irls(o, energy, t);
  const auto& its = summary.iterations;
  const double last_change =
      its.size() >= 2 ? std::abs(its.back().energy_change) / its[its.size() - 2].energy : 0.0;
  double assemble = 0, factorize = 0, solve = 0, cg = 0, factor_mib = 0, nnz = 0;
  bool monotone = true;
  for (std::size_t k = 1; k < summary.iterations.size(); ++k) {
    const auto& r = summary.iterations[k];
    auto get = [&](const char* key) { return r.extras.count(key) ? r.extras.at(key) : 0.0; };
    assemble += get("assemble_seconds");
    factorize += get("factorize_seconds") + get("analyze_seconds");
    solve += get("solve_seconds");
    cg += get("cg_iterations");
    factor_mib = std::max(factor_mib, get("factor_mib"));
    nnz = get("matrix_nnz");
    monotone = monotone && r.energy <= summary.iterations[k - 1].energy;
  }
  std::string energies;
  for (const auto& r : summary.iterations)
    energies += (energies.empty() ? "" : ", ") + std::to_string(r.energy);
  std::snprintf(buf, sizeof buf,
                "{\"width\": %zu, \"height\": %zu, \"backend\": \"%s\", \"skipped\": false, "
                "\"seconds\": %.3f, \"iterations\": %d, \"termination\": \"%s\", \"last_change\": %.3g, "
                "\"initial_energy\": %.8g, \"final_energy\": %.8g, \"monotone\": %s, "
                "\"assemble_s\": %.3f, \"factorize_s\": %.3f, \"solve_s\": %.3f, "
                "\"cg_iterations\": %.0f, \"matrix_nnz\": %.0f, \"factor_mib\": %.1f, "
                "\"peak_rss_mib\": %.1f, \"threads\": %d, \"energies\": [",
                c.w, c.h, to_string(c.backend), summary.seconds, summary.num_iterations(),
                to_string(summary.termination), last_change, summary.initial_energy,
                summary.final_energy,
                monotone ? "true" : "false", assemble, factorize, solve, cg, nnz, factor_mib,
                peak_rss_mib(), omp_get_max_threads());
  return buf + energies + "]}";
}

std::string field(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) return "";
  auto begin = at + key.size() + 4;
  if (json[begin] == '"') ++begin;
  auto end = json.find_first_of(",}\"", begin);
  return json.substr(begin, end - begin);
}

/// Forks, runs the configuration in the child, returns its JSON (or an error).
std::string run_forked(const Settings& s, const Config& c) {
  int fds[2];
  if (pipe(fds) != 0) return "{\"error\": \"pipe\"}";
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    try {
      out = run_config(s, c);
    } catch (const std::exception& e) {
      out = std::string("{\"error\": \"") + e.what() + "\"}";
    }
    (void)!write(fds[1], out.data(), out.size());
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string result;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) result.append(buf, std::size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (result.empty()) result = "{\"error\": \"child died (status " + std::to_string(status) + ")\"}";
  return result;
}

int usage() {
  std::fprintf(stderr,
               "Usage: bench_solvers [--photo FILE] [--sizes 224x224,640x480] "
               "[--backends cholmod,pcg] [--map l08|half|l2|adaptive] [--shared] "
               "[--epsilon D] [--max-iterations N] [--tolerance T] [--memory-limit-gib G] "
               "[--time-limit S] [--max-factor-tflop F] [--json FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    const bool has = k + 1 < argc;
    if (a == "--photo" && has) s.photo = argv[++k];
    else if (a == "--sizes" && has) {
      s.sizes.clear();
      std::stringstream list(argv[++k]);
      for (std::string item; std::getline(list, item, ',');) {
        std::size_t w = 0, h = 0;
        if (std::sscanf(item.c_str(), "%zux%zu", &w, &h) != 2 || !w || !h) return usage();
        s.sizes.push_back({h, w});
      }
    } else if (a == "--backends" && has) {
      s.backends.clear();
      std::stringstream list(argv[++k]);
      for (std::string item; std::getline(list, item, ',');) {
        if (item == "cholmod") s.backends.push_back(IrlsOptions::LinearSolver::cholmod);
        else if (item == "pcg") s.backends.push_back(IrlsOptions::LinearSolver::pcg);
        else return usage();
      }
    } else if (a == "--map" && has) s.map = parse_pmap_kind(argv[++k]);
    else if (a == "--shared") s.shared = true;
    else if (a == "--epsilon" && has) s.epsilon = std::stod(argv[++k]);
    else if (a == "--max-iterations" && has) s.max_iterations = std::stoi(argv[++k]);
    else if (a == "--tolerance" && has) s.tolerance = std::stod(argv[++k]);
    else if (a == "--memory-limit-gib" && has) s.memory_limit_gib = std::stod(argv[++k]);
    else if (a == "--time-limit" && has) s.time_limit = std::stod(argv[++k]);
    else if (a == "--max-factor-tflop" && has) s.max_factor_tflop = std::stod(argv[++k]);
    else if (a == "--json" && has) s.json = argv[++k];
    else return usage();
  }
  std::printf("IRLS benchmark: smoothing preset, h = 21, lambda_e = 0, map %s, %s matrices, "
              "T = I, stop at |dE|/E < %g (max %d iterations), epsilon %g, %d threads\n",
              argc ? (s.map == PMapKind::all_lp ? "all-L0.8" : s.map == PMapKind::half ? "half"
                      : s.map == PMapKind::all_l2 ? "all-L2" : "adaptive") : "",
              s.shared ? "shared" : "per-channel", s.tolerance, s.max_iterations, s.epsilon,
              omp_get_max_threads());
  std::printf("%-9s %-8s %8s %5s %13s %13s %9s %9s %9s %8s %11s %10s %9s\n", "size", "backend",
              "seconds", "iters", "E(I)", "E final", "assemble", "factor", "solve", "CG its",
              "matrix nnz", "factor MiB", "peak MiB");
  std::string json = "[";
  for (const auto& [h, w] : s.sizes)
    for (auto backend : s.backends) {
      const std::string r = run_forked(s, Config{h, w, backend});
      json += (json.size() > 1 ? ",\n " : "") + r;
      char size[32];
      std::snprintf(size, sizeof size, "%zux%zu", w, h);
      if (!field(r, "error").empty()) {
        std::printf("%-9s %-8s error: %s\n", size, to_string(backend), field(r, "error").c_str());
      } else if (field(r, "skipped") == "true") {
        std::printf("%-9s %-8s skipped (%s): predicted %s GiB (factor %s GiB, limit %.0f GiB), "
                    "%s TFlop per factorisation (limit %g), 3 per iteration\n", size,
                    to_string(backend), field(r, "reason").c_str(),
                    field(r, "predicted_gib").c_str(), field(r, "factor_gib").c_str(),
                    s.memory_limit_gib, field(r, "factor_tflop").c_str(), s.max_factor_tflop);
      } else {
        const bool reached = field(r, "termination") == "convergence";
        std::printf("%-9s %-8s %7.1f%s %5s %13.6g %13.6g %9.2f %9.2f %9.2f %8s %11s %10s %9s%s%s\n",
                    size, to_string(backend), std::stod(field(r, "seconds")), reached ? " " : "*",
                    field(r, "iterations").c_str(), std::stod(field(r, "initial_energy")),
                    std::stod(field(r, "final_energy")), std::stod(field(r, "assemble_s")),
                    std::stod(field(r, "factorize_s")), std::stod(field(r, "solve_s")),
                    field(r, "cg_iterations").c_str(), field(r, "matrix_nnz").c_str(),
                    field(r, "factor_mib").c_str(), field(r, "peak_rss_mib").c_str(),
                    field(r, "monotone") == "true" ? "" : "  (energy rose!)",
                    reached ? "" : ("  * not reached: last |dE|/E = " + field(r, "last_change")).c_str());
      }
      std::fflush(stdout);
    }
  json += "]\n";
  if (!s.json.empty()) std::ofstream(s.json) << json;
  return 0;
}
