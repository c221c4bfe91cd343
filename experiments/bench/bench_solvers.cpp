// Benchmark: every per-image solver — IRLS with each linear-solver backend
// (irls-cholmod, irls-pcg), Adam and L-BFGS — on the paper's energy
// (smoothing preset, h = 21, λ_e = 0, fixed p map) at 224×224 and 640×480 of
// a real photo (mirrored/tiled as in bench_energy), started at T = I. Reports
// seconds until the relative energy change falls below 1e-4, iterations,
// final energy, the time split (assembly / factorisation / solve), CG
// iterations, the CHOLMOD factor size, and the peak resident memory (VmHWM)
// of each configuration, each run in its own forked process so peaks are per
// configuration.
//
// Usage: bench_solvers [--photo FILE] [--sizes 224x224,640x480]
//                      [--solvers irls-cholmod,irls-pcg,adam,lbfgs]
//                      [--backends cholmod,pcg] [--map l08|half|l2|adaptive]
//                      [--shared] [--epsilon D] [--max-iterations N]
//                      [--first-order-iterations N]
//                      [--tolerance T] [--memory-limit-gib G]
//                      [--time-limit S] [--max-factor-tflop F] [--json FILE]
//
// --backends B is the older spelling of --solvers irls-B. --max-iterations
// (default 30) bounds IRLS; --first-order-iterations (default 300) bounds
// Adam and L-BFGS.
//
// Stopping rule, the same for every solver: the first iteration k with
// |E_{k−1} − E_k| < T·E_{k−1} (T = 1e-4; E = the exact energy of the
// records). IRLS applies it itself (function_tolerance; it goes on past a
// PCG solve that hit its iteration cap). Adam and L-BFGS run with their
// default options (Adam lr 5, constant; L-BFGS ε = 0.25, Ceres' own tests
// left at their defaults) and a callback that stops at that iteration.
// Adam's energy is not monotone: "reached" means the first iteration whose
// relative change is below T, which may follow a rise; "best E" is the
// lowest energy of any record. L-BFGS minimises the ε-smoothed energy; the
// rule is applied to the exact energy it reports.
//
// --time-limit S (default 60, 0 = none) stops a configuration after the
// first iteration that ends past S seconds; the table then says "not
// reached" and gives the energy and relative change at the stop, so the
// default run (7 configurations) stays within ~10 minutes on 2 cores (one
// PCG iteration at 640×480 alone takes 150–260 s). Measured runs and the
// commands: docs/solvers.md and include/ismooth/solvers/irls.hpp.
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

#include "bench/bench_support.hpp"
#include "cli/omp_wait_policy.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/solvers/adam.hpp"
#include "ismooth/solvers/irls.hpp"
#include "ismooth/solvers/lbfgs.hpp"

using namespace ismooth;
using ismooth::bench::peak_rss_mib;
using ismooth::bench::photo_at;

namespace {

enum class SolverKind { irls_cholmod, irls_pcg, adam, lbfgs };

const char* to_string(SolverKind k) {
  switch (k) {
    case SolverKind::irls_cholmod: return "irls-cholmod";
    case SolverKind::irls_pcg: return "irls-pcg";
    case SolverKind::adam: return "adam";
    case SolverKind::lbfgs: return "lbfgs";
  }
  return "?";
}

bool is_irls(SolverKind k) { return k == SolverKind::irls_cholmod || k == SolverKind::irls_pcg; }

struct Config {
  std::size_t h, w;
  SolverKind solver;
};

struct Settings {
  std::string photo = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
  std::vector<std::array<std::size_t, 2>> sizes = {{224, 224}, {480, 640}};
  std::vector<SolverKind> solvers = {SolverKind::irls_cholmod, SolverKind::irls_pcg,
                                     SolverKind::adam, SolverKind::lbfgs};
  PMapKind map = PMapKind::all_lp;
  bool shared = false;
  double epsilon = IrlsOptions{}.expansion_floor;
  int max_iterations = 30;
  int first_order_iterations = 300;
  double tolerance = 1e-4;
  double memory_limit_gib = 16;
  double time_limit = 60;
  double max_factor_tflop = 1;
  std::string json;
};

/// Adam or L-BFGS with default options and the common stopping rule.
template <class E>
std::string run_first_order(const Settings& s, const Config& c, const E& energy,
                            const Image<double>& input) {
  bool reached = false;
  int reached_at = -1;
  double reached_seconds = 0, previous = 0;
  IterationCallback stop = [&](const IterationRecord& r) {
    if (r.iteration > 0 && std::abs(previous - r.energy) < s.tolerance * std::abs(previous)) {
      reached = true;
      reached_at = r.iteration;
      reached_seconds = r.seconds;
      return CallbackReturn::stop_with_success;
    }
    previous = r.energy;
    if (s.time_limit > 0 && r.seconds > s.time_limit) return CallbackReturn::stop_with_success;
    return CallbackReturn::continue_solving;
  };
  Image<double> t = input;
  Summary summary;
  if (c.solver == SolverKind::adam) {
    AdamOptions o;
    o.max_iterations = s.first_order_iterations;
    o.callback = stop;
    summary = solve_adam(o, energy, t);
  } else {
    LbfgsOptions o;
    o.max_iterations = s.first_order_iterations;
    o.callback = stop;
    summary = solve_lbfgs(o, energy, t);
    // A Ceres convergence test may end the run on an iteration that ran no
    // callback (recorded after Solve): apply the rule to it as well.
    const auto& its = summary.iterations;
    if (!reached && its.size() >= 2 &&
        std::abs(its[its.size() - 2].energy - its.back().energy) <
            s.tolerance * std::abs(its[its.size() - 2].energy)) {
      reached = true;
      reached_at = its.back().iteration;
      reached_seconds = its.back().seconds;
    }
  }
  const auto& its = summary.iterations;
  const double last_change =
      its.size() >= 2 ? std::abs(its.back().energy_change) / its[its.size() - 2].energy : 0.0;
  bool monotone = true;
  double best = its.front().energy, evaluations = 0;
  for (std::size_t k = 1; k < its.size(); ++k) {
    monotone = monotone && its[k].energy <= its[k - 1].energy;
    best = std::min(best, its[k].energy);
    if (its[k].extras.count("line_search_evaluations"))
      evaluations += its[k].extras.at("line_search_evaluations");
  }
  std::string energies;
  for (const auto& r : its) energies += (energies.empty() ? "" : ", ") + std::to_string(r.energy);
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"width\": %zu, \"height\": %zu, \"backend\": \"%s\", \"skipped\": false, "
                "\"seconds\": %.3f, \"iterations\": %d, \"termination\": \"%s\", "
                "\"reached\": %s, \"reached_iteration\": %d, \"reached_seconds\": %.3f, "
                "\"last_change\": %.3g, \"initial_energy\": %.8g, \"final_energy\": %.8g, "
                "\"best_energy\": %.8g, \"monotone\": %s, \"evaluations\": %.0f, "
                "\"peak_rss_mib\": %.1f, \"threads\": %d, \"energies\": [",
                c.w, c.h, to_string(c.solver), summary.seconds, summary.num_iterations(),
                to_string(summary.termination), reached ? "true" : "false", reached_at,
                reached_seconds, last_change, summary.initial_energy, summary.final_energy, best,
                monotone ? "true" : "false", evaluations, peak_rss_mib(), omp_get_max_threads());
  return buf + energies + "]}";
}

/// Runs one configuration (in the child) and returns one JSON object.
std::string run_config(const Settings& s, const Config& c) {
  const Image<float> photo = load_image(s.photo);
  const Image<double> input = photo_at<double>(photo, c.h, c.w);
  EnergyParams params = preset_params(Preset::smoothing);
  params.lambda_e = 0;
  const auto energy = make_energy(input, Preset::smoothing, params, {}, PMap{s.map});
  if (!is_irls(c.solver)) return run_first_order(s, c, energy, input);
  IrlsOptions o;
  o.linear_solver = c.solver == SolverKind::irls_cholmod ? IrlsOptions::LinearSolver::cholmod
                                                         : IrlsOptions::LinearSolver::pcg;
  o.max_iterations = s.max_iterations;
  o.function_tolerance = s.tolerance;
  o.per_channel_matrices = !s.shared;
  o.expansion_floor = s.epsilon;
  char buf[1024];
  // Memory prediction before the solve.
  {
    QuadraticMajoriser q;
    q.expansion_floor = o.expansion_floor;
    q.per_channel = o.per_channel_matrices;
    energy.Majorise(input, q);
    const double nnz = double(q.has_channel_matrices() ? q.channel_A[0].nonZeros() : q.A.nonZeros());
    const double matrices_gib = nnz * 12.0 * (q.has_channel_matrices() ? 3 : 1) / (1 << 30);
    double factor_gib = 0, tflop = 0;
    if (c.solver == SolverKind::irls_cholmod) {
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
                    c.w, c.h, to_string(c.solver), too_big ? "memory" : "factorisation flops",
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
  double best = summary.initial_energy;
  for (std::size_t k = 1; k < summary.iterations.size(); ++k) {
    const auto& r = summary.iterations[k];
    best = std::min(best, r.energy);
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
                "\"seconds\": %.3f, \"iterations\": %d, \"termination\": \"%s\", \"reached\": %s, "
                "\"last_change\": %.3g, "
                "\"initial_energy\": %.8g, \"final_energy\": %.8g, \"best_energy\": %.8g, \"monotone\": %s, "
                "\"assemble_s\": %.3f, \"factorize_s\": %.3f, \"solve_s\": %.3f, "
                "\"cg_iterations\": %.0f, \"matrix_nnz\": %.0f, \"factor_mib\": %.1f, "
                "\"peak_rss_mib\": %.1f, \"threads\": %d, \"energies\": [",
                c.w, c.h, to_string(c.solver), summary.seconds, summary.num_iterations(),
                to_string(summary.termination),
                summary.termination == TerminationType::convergence ? "true" : "false",
                last_change, summary.initial_energy, summary.final_energy, best,
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
               "[--solvers irls-cholmod,irls-pcg,adam,lbfgs] [--backends cholmod,pcg] "
               "[--map l08|half|l2|adaptive] [--shared] [--epsilon D] [--max-iterations N] "
               "[--first-order-iterations N] [--tolerance T] [--memory-limit-gib G] "
               "[--time-limit S] [--max-factor-tflop F] [--json FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ismooth::tool::default_to_passive_omp_wait(argv);
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
    } else if ((a == "--backends" || a == "--solvers") && has) {
      s.solvers.clear();
      std::stringstream list(argv[++k]);
      for (std::string item; std::getline(list, item, ',');) {
        if (a == "--backends") item = "irls-" + item;
        if (item == "irls-cholmod") s.solvers.push_back(SolverKind::irls_cholmod);
        else if (item == "irls-pcg") s.solvers.push_back(SolverKind::irls_pcg);
        else if (item == "adam") s.solvers.push_back(SolverKind::adam);
        else if (item == "lbfgs") s.solvers.push_back(SolverKind::lbfgs);
        else return usage();
      }
    } else if (a == "--map" && has) s.map = parse_pmap_kind(argv[++k]);
    else if (a == "--shared") s.shared = true;
    else if (a == "--epsilon" && has) s.epsilon = std::stod(argv[++k]);
    else if (a == "--max-iterations" && has) s.max_iterations = std::stoi(argv[++k]);
    else if (a == "--first-order-iterations" && has)
      s.first_order_iterations = std::stoi(argv[++k]);
    else if (a == "--tolerance" && has) s.tolerance = std::stod(argv[++k]);
    else if (a == "--memory-limit-gib" && has) s.memory_limit_gib = std::stod(argv[++k]);
    else if (a == "--time-limit" && has) s.time_limit = std::stod(argv[++k]);
    else if (a == "--max-factor-tflop" && has) s.max_factor_tflop = std::stod(argv[++k]);
    else if (a == "--json" && has) s.json = argv[++k];
    else return usage();
  }
  std::printf("Solver benchmark: smoothing preset, h = 21, lambda_e = 0, map %s, T = I, "
              "stop at |dE|/E < %g; IRLS: %s matrices, epsilon %g, max %d iterations; "
              "Adam/L-BFGS: default options, max %d iterations; time limit %g s; %d threads\n",
              s.map == PMapKind::all_lp ? "all-L0.8" : s.map == PMapKind::half ? "half"
              : s.map == PMapKind::all_l2 ? "all-L2" : "adaptive",
              s.tolerance, s.shared ? "shared" : "per-channel", s.epsilon, s.max_iterations,
              s.first_order_iterations, s.time_limit, omp_get_max_threads());
  std::printf("%-9s %-12s %8s %5s %11s %11s %11s %9s %9s %9s %8s %11s %10s %9s\n", "size",
              "solver", "seconds", "iters", "E(I)", "E final", "best E", "assemble", "factor",
              "solve", "CG its", "matrix nnz", "factor MiB", "peak MiB");
  std::string json = "[";
  for (const auto& [h, w] : s.sizes)
    for (auto solver : s.solvers) {
      const std::string r = run_forked(s, Config{h, w, solver});
      json += (json.size() > 1 ? ",\n " : "") + r;
      char size[32];
      std::snprintf(size, sizeof size, "%zux%zu", w, h);
      if (!field(r, "error").empty()) {
        std::printf("%-9s %-12s error: %s\n", size, to_string(solver), field(r, "error").c_str());
      } else if (field(r, "skipped") == "true") {
        std::printf("%-9s %-12s skipped (%s): predicted %s GiB (factor %s GiB, limit %.0f GiB), "
                    "%s TFlop per factorisation (limit %g), 3 per iteration\n", size,
                    to_string(solver), field(r, "reason").c_str(),
                    field(r, "predicted_gib").c_str(), field(r, "factor_gib").c_str(),
                    s.memory_limit_gib, field(r, "factor_tflop").c_str(), s.max_factor_tflop);
      } else {
        const bool reached = field(r, "reached") == "true";
        const bool irls = is_irls(solver);
        const double seconds = std::stod(field(r, irls || !reached ? "seconds" : "reached_seconds"));
        const std::string iterations =
            irls || !reached ? field(r, "iterations") : field(r, "reached_iteration");
        auto extra = [&](const char* key) { return irls ? std::stod(field(r, key)) : 0.0; };
        std::printf("%-9s %-12s %7.1f%s %5s %11.6g %11.6g %11.6g %9.2f %9.2f %9.2f %8s %11s %10s "
                    "%9s%s%s\n",
                    size, to_string(solver), seconds, reached ? " " : "*", iterations.c_str(),
                    std::stod(field(r, "initial_energy")), std::stod(field(r, "final_energy")),
                    std::stod(field(r, "best_energy")), extra("assemble_s"),
                    extra("factorize_s"), extra("solve_s"),
                    irls ? field(r, "cg_iterations").c_str() : "-",
                    irls ? field(r, "matrix_nnz").c_str() : "-",
                    irls ? field(r, "factor_mib").c_str() : "-", field(r, "peak_rss_mib").c_str(),
                    field(r, "monotone") == "true" ? "" : "  (energy rose)",
                    reached ? "" : ("  * not reached: last |dE|/E = " + field(r, "last_change")).c_str());
      }
      std::fflush(stdout);
    }
  json += "]\n";
  if (!s.json.empty()) std::ofstream(s.json) << json;
  return 0;
}
