// ismooth solve INPUT OUTPUT --solver irls|adam|lbfgs [--energy adaptive|l2|l08|half]
//               [--preset NAME] [--mask F.png] [--set key=value]... [--iterations N]
//               [--edges B.png] [--init T.png] [--trace FILE.csv] [--json] [--verbose]
//               [--learning-rate LR] [--schedule constant|cosine]          (adam)
//               [--epsilon E] [--memory M]                                  (lbfgs)
//               [--epsilon E] [--linear-solver auto|cholmod|pcg]            (irls)
//               [--threads N]
//
// Minimises the energy (Eq. 1) of one image, starting from T = I (or --init),
// and writes the final iterate, clamped to [0, 255] and rounded only when
// written. Images are held in float (the energy kernels are about twice as
// fast as in double; every energy is accumulated and reported in double).
// Contracts (tests/cli/test_solve.sh): flag names, JSON keys, CSV header.
#include <omp.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/solvers/adam.hpp"
#include "ismooth/solvers/irls.hpp"
#include "ismooth/solvers/lbfgs.hpp"

namespace ismooth::cli {

namespace {

struct Args {
  std::string input, output, solver, energy = "adaptive", preset = "smoothing", mask, edges, init,
                                     trace;
  std::vector<std::string> sets;
  // Numbers are taken as text and parsed here, so a bad value is an
  // ismooth::Error (exit 1, "ismooth: error: ...") like every other bad input.
  std::string iterations, learning_rate, schedule, epsilon, memory, linear_solver, threads;
  bool json = false, verbose = false;
};

double parse_number(const char* flag, const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  require(!text.empty() && used == text.size() && std::isfinite(v), flag, " ", text,
          ": not a finite number");
  return v;
}

int parse_count(const char* flag, const std::string& text) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  require(ec == std::errc() && end == text.data() + text.size() && !text.empty(), flag, " ", text,
          ": not an integer");
  require(v >= 1, flag, " ", text, ": must be at least 1");
  return v;
}

/// Refuses a flag given for a solver that does not use it (no silent no-ops).
void only_for(const Args& a, const std::string& value, const char* flag,
              std::initializer_list<const char*> solvers) {
  if (value.empty()) return;
  for (const char* s : solvers)
    if (a.solver == s) return;
  std::string names;
  for (const char* s : solvers) names += std::string(names.empty() ? "" : " or ") + s;
  fail(flag, " applies to --solver ", names, ", not ", a.solver);
}

/// JSON number; NaN and infinities (terms of users' objectives) become null.
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

const char* const kColumns[] = {"iteration", "energy",      "data",          "flatten",
                                "edge",      "l2_fraction", "energy_change", "gradient_norm",
                                "step_norm", "seconds"};

std::vector<double> columns(const IterationRecord& r) {
  return {double(r.iteration), r.energy,        r.data,          r.flatten,   r.edge,
          r.l2_fraction,       r.energy_change, r.gradient_norm, r.step_norm, r.seconds};
}

std::set<std::string> extra_keys(const Summary& s) {
  std::set<std::string> keys;
  for (const auto& r : s.iterations)
    for (const auto& [k, v] : r.extras) keys.insert(k);
  return keys;
}

std::string json_report(const Summary& s, const Args& a, const Image<float>& t) {
  std::string out = "{\"solver\": " + quoted(s.solver) + ", \"energy\": " + quoted(a.energy) +
                    ", \"preset\": " + quoted(a.preset) +
                    ", \"width\": " + std::to_string(width(t)) +
                    ", \"height\": " + std::to_string(height(t)) +
                    ", \"iterations\": " + std::to_string(s.num_iterations()) +
                    ", \"initial_energy\": " + number(s.initial_energy) +
                    ", \"final_energy\": " + number(s.final_energy) +
                    ", \"termination\": " + quoted(to_string(s.termination)) +
                    ", \"message\": " + quoted(s.message) + ", \"seconds\": " + number(s.seconds) +
                    ", \"output\": " + quoted(a.output) + ",\n \"records\": [";
  for (std::size_t k = 0; k < s.iterations.size(); ++k) {
    const IterationRecord& r = s.iterations[k];
    const std::vector<double> v = columns(r);
    out += k ? ",\n  {" : "\n  {";
    for (std::size_t c = 0; c < v.size(); ++c)
      out += (c ? ", " : "") + quoted(kColumns[c]) + ": " +
             (c == 0 ? std::to_string(r.iteration) : number(v[c]));
    for (const auto& [key, value] : r.extras) out += ", " + quoted(key) + ": " + number(value);
    out += "}";
  }
  return out + "]}\n";
}

std::string csv_trace(const Summary& s) {
  const std::set<std::string> keys = extra_keys(s);
  std::string out;
  for (const char* c : kColumns) out += std::string(out.empty() ? "" : ",") + c;
  for (const auto& k : keys) out += "," + k;
  out += "\n";
  for (const auto& r : s.iterations) {
    const std::vector<double> v = columns(r);
    out += std::to_string(r.iteration);
    char buffer[32];
    for (std::size_t c = 1; c < v.size(); ++c) {
      std::snprintf(buffer, sizeof buffer, ",%.17g", v[c]);
      out += buffer;
    }
    for (const auto& k : keys) {
      const auto it = r.extras.find(k);
      if (it == r.extras.end()) {
        out += ",";
      } else {
        std::snprintf(buffer, sizeof buffer, ",%.17g", it->second);
        out += buffer;
      }
    }
    out += "\n";
  }
  return out;
}

/// Fails now, before a long solve, if `path` could not be written later.
void check_writable(const std::string& path, const char* what) {
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  std::error_code ec;
  require(std::filesystem::is_directory(dir, ec), "cannot write ", what, " '", path, "': '",
          dir.string(), "' is not an existing directory");
  require(!std::filesystem::is_directory(p, ec), "cannot write ", what, " '", path,
          "': it is a directory");
}

IterationCallback progress(bool verbose) {
  if (!verbose) return {};
  return [](const IterationRecord& r) {
    std::fprintf(stderr, "  iter %4d  energy %.9g  change %.3g  |step| %.3g  %.3f s\n", r.iteration,
                 r.energy, r.energy_change, r.step_norm, r.seconds);
    return CallbackReturn::continue_solving;
  };
}

Summary run_solver(const Args& a, const SmoothingEnergy<float>& energy, Image<float>& t) {
  const bool given = !a.iterations.empty();
  const int iterations = given ? parse_count("--iterations", a.iterations) : 0;
  if (a.solver == "adam") {
    AdamOptions o;
    o.max_iterations = given ? iterations : 100;
    // Measured defaults (adam.hpp): lr 5 for the fixed maps of the solver
    // study, 0.5 for the adaptive map, whose L2 mask lr ≥ c2/12 flips.
    o.learning_rate = !a.learning_rate.empty() ? parse_number("--learning-rate", a.learning_rate)
                      : a.energy == "adaptive" ? 0.5
                                               : AdamOptions{}.learning_rate;
    if (a.schedule == "cosine")
      o.schedule = AdamSchedule::cosine;
    else
      require(a.schedule.empty() || a.schedule == "constant", "--schedule ", a.schedule,
              ": expected constant or cosine");
    o.callback = progress(a.verbose);
    return solve_adam(o, energy, t);
  }
  if (a.solver == "lbfgs") {
    LbfgsOptions o;
    o.max_iterations = given ? iterations : 100;
    if (!a.epsilon.empty()) o.epsilon = parse_number("--epsilon", a.epsilon);
    if (!a.memory.empty()) o.memory = parse_count("--memory", a.memory);
    o.callback = progress(a.verbose);
    return solve_lbfgs(o, energy, t);
  }
  IrlsOptions o;
  o.max_iterations = given ? iterations : 10;
  if (!a.epsilon.empty()) o.epsilon = parse_number("--epsilon", a.epsilon);
  if (a.linear_solver == "cholmod")
    o.linear_solver = IrlsOptions::LinearSolver::cholmod;
  else if (a.linear_solver == "pcg")
    o.linear_solver = IrlsOptions::LinearSolver::pcg;
  else
    require(a.linear_solver.empty() || a.linear_solver == "auto", "--linear-solver ",
            a.linear_solver, ": expected auto, cholmod or pcg");
  o.callback = progress(a.verbose);
  return solve_irls(o, energy, t);
}

int run(const Args& a) {
  require(!a.solver.empty(), "--solver is required (irls, adam or lbfgs)");
  require(a.solver == "irls" || a.solver == "adam" || a.solver == "lbfgs", "--solver ", a.solver,
          ": expected irls, adam or lbfgs");
  only_for(a, a.learning_rate, "--learning-rate", {"adam"});
  only_for(a, a.schedule, "--schedule", {"adam"});
  only_for(a, a.epsilon, "--epsilon", {"lbfgs", "irls"});
  only_for(a, a.memory, "--memory", {"lbfgs"});
  only_for(a, a.linear_solver, "--linear-solver", {"irls"});
  if (!a.threads.empty()) omp_set_num_threads(parse_count("--threads", a.threads));

  const Preset preset = parse_preset(a.preset);
  const PMapKind kind = parse_pmap_kind(a.energy);
  EnergyParams params = preset_params(preset);
  // The fixed maps are the paper's solver study, which drops the edge term
  // (energy.md §7); an explicit --set lambda_e still wins.
  if (kind != PMapKind::adaptive) params.lambda_e = 0;
  for (const auto& s : a.sets) {
    require(s.rfind("epsilon=", 0) != 0, "--set ", s,
            ": solve reports exact energies "
            "(epsilon = 0); use --epsilon for the L-BFGS smoothing or the IRLS floor");
    set_parameter(params, s);
  }
  params.validate("--set");
  require(preset_needs_foreground(preset) || a.mask.empty(),
          "--mask is only used by the "
          "background and foreground presets, not by '",
          a.preset, "'");
  // Refuse an unwritable OUTPUT/--trace now rather than after the solve.
  detail::format_of(a.output, true);
  check_writable(a.output, "OUTPUT");
  if (!a.trace.empty()) check_writable(a.trace, "--trace");

  Image<float> input = load_image(a.input);
  PresetInputs inputs;
  if (!a.edges.empty()) inputs.edges = load_mask(a.edges);
  if (!a.mask.empty()) inputs.foreground = load_mask(a.mask);
  if (inputs.edges) check_same_size(*inputs.edges, "--edges " + a.edges, input, "INPUT");
  if (inputs.foreground) check_same_size(*inputs.foreground, "--mask " + a.mask, input, "INPUT");
  Image<float> t = input;
  if (!a.init.empty()) {
    t = load_image(a.init);
    check_same_size(t, "--init " + a.init, input, "INPUT " + a.input);
  }
  const auto energy = make_energy(std::move(input), preset, params, inputs, PMap{kind});

  const Summary s = run_solver(a, energy, t);
  save_image(t, a.output);  // atomic; clamps to [0, 255] and rounds
  if (!a.trace.empty()) {
    const std::string csv = csv_trace(s);
    detail::write_atomically(a.trace, std::vector<unsigned char>(csv.begin(), csv.end()));
  }
  if (a.json) {
    std::fputs(json_report(s, a, t).c_str(), stdout);
    std::fprintf(stderr, "%s\n", s.BriefReport().c_str());
  } else {
    std::printf("%s", a.verbose ? s.FullReport().c_str() : (s.BriefReport() + "\n").c_str());
    std::printf("wrote %s (%zux%zu)\n", a.output.c_str(), width(t), height(t));
  }
  return 0;
}

}  // namespace

void add_solve_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "solve",
      "Minimise the energy (Eq. 1) of one image with IRLS, Adam or L-BFGS, starting "
      "from T = INPUT, and write the final iterate");
  cmd->add_option("INPUT", a->input, "the image I to smooth")->required();
  cmd->add_option("OUTPUT", a->output, "where to write T (.png, .jpg; clamped to 0-255)")
      ->required();
  cmd->add_option("--solver", a->solver, "irls, adam or lbfgs (required)");
  cmd->add_option("--energy", a->energy,
                  "p map: adaptive (Eq. 8, default), l2, l08, half (fixed maps of the solver "
                  "study; these also set lambda_e = 0)");
  cmd->add_option("--preset", a->preset,
                  "smoothing (default), detail, texture, background, foreground");
  cmd->add_option("--mask", a->mask, "foreground mask F for the background/foreground presets");
  cmd->add_option("--set", a->sets,
                  "override an energy parameter, key=value (repeatable), as "
                  "in `ismooth energy` (epsilon excepted: see --epsilon)");
  cmd->add_option("--iterations", a->iterations,
                  "iterations (default: irls 10, adam 100, lbfgs 100)");
  cmd->add_option("--edges", a->edges,
                  "use this edge map B (PNG, >127 = edge) instead of "
                  "detecting one");
  cmd->add_option("--init", a->init, "start from this image instead of T = INPUT");
  cmd->add_option("--trace", a->trace, "write one CSV row per iteration (iteration 0 = start)");
  cmd->add_flag("--json", a->json,
                "print the summary and every record as one JSON object "
                "(nothing else on stdout)");
  cmd->add_flag("--verbose,-v", a->verbose,
                "print each iteration to stderr as it ends, and the "
                "full report");
  cmd->add_option("--learning-rate", a->learning_rate,
                  "adam: step in grey levels (default 0.5 for --energy adaptive, 5 otherwise)");
  cmd->add_option("--schedule", a->schedule, "adam: constant (default) or cosine decay");
  cmd->add_option("--epsilon", a->epsilon,
                  "lbfgs: smoothing of |d|^p in grey levels (default 0.25); irls: expansion "
                  "floor (default 0.01). Reported energies always use epsilon = 0");
  cmd->add_option("--memory", a->memory, "lbfgs: correction pairs kept (default 20)");
  cmd->add_option("--linear-solver", a->linear_solver,
                  "irls: auto (default: CHOLMOD up to 120000 pixels, else PCG), cholmod, pcg");
  cmd->add_option("--threads", a->threads, "OpenMP threads (default: all cores)");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace ismooth::cli
