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
#include "ismooth/solvers/solve.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/device_options.hpp"
#include "cli/energy_options.hpp"
#include "cli/flag_values.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::cli {

namespace {

struct Args {
  std::string input, output, solver, init, trace;
  EnergyOptions energy;
  // Numbers are taken as text (flag_values.hpp), so a bad value is an
  // ismooth::Error (exit 1, "ismooth: error: ...") like every other bad input.
  std::string iterations, learning_rate, schedule, epsilon, memory, linear_solver;
  ThreadsOption threads{"", 1};
  bool json = false, verbose = false;
};

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

std::string json_report(const Summary& s, const Args& a, const Image<float>& t) {
  JsonContext context;
  context.after_solver = {{"energy", json_string(a.energy.energy)},
                          {"preset", json_string(a.energy.preset)},
                          {"width", std::to_string(width(t))},
                          {"height", std::to_string(height(t))}};
  context.before_records = {{"output", json_string(a.output)}};
  return summary_json(s, context);
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

solvers::SolveOptions solve_options(const Args& a, solvers::SolverKind kind) {
  solvers::SolveOptions o;
  if (!a.iterations.empty()) o.set_max_iterations(parse_count("--iterations", a.iterations));
  o.set_callback(progress(a.verbose));
  // Measured defaults (adam.hpp): lr 5 for the fixed maps of the solver
  // study, 0.5 for the adaptive map, whose L2 mask lr ≥ c2/12 flips.
  if (!a.learning_rate.empty())
    o.adam.learning_rate = parse_number("--learning-rate", a.learning_rate);
  else if (a.energy.energy == "adaptive")
    o.adam.learning_rate = 0.5;
  if (a.schedule == "cosine")
    o.adam.schedule = AdamSchedule::cosine;
  else
    require(a.schedule.empty() || a.schedule == "constant", "--schedule ", a.schedule,
            ": expected constant or cosine");
  if (!a.epsilon.empty())
    (kind == solvers::SolverKind::lbfgs ? o.lbfgs.epsilon : o.irls.epsilon) =
        parse_number("--epsilon", a.epsilon);
  if (!a.memory.empty()) o.lbfgs.memory = parse_count("--memory", a.memory);
  if (a.linear_solver == "cholmod")
    o.irls.linear_solver = IrlsOptions::LinearSolver::cholmod;
  else if (a.linear_solver == "pcg")
    o.irls.linear_solver = IrlsOptions::LinearSolver::pcg;
  else
    require(a.linear_solver.empty() || a.linear_solver == "auto", "--linear-solver ",
            a.linear_solver, ": expected auto, cholmod or pcg");
  return o;
}

int run(const Args& a) {
  require(!a.solver.empty(), "--solver is required (", solvers::kSolverNames, ")");
  const auto kind = solvers::find_solver(a.solver);
  require(kind.has_value(), "--solver ", a.solver, ": expected ", solvers::kSolverNames);
  only_for(a, a.learning_rate, "--learning-rate", {"adam"});
  only_for(a, a.schedule, "--schedule", {"adam"});
  only_for(a, a.epsilon, "--epsilon", {"lbfgs", "irls"});
  only_for(a, a.memory, "--memory", {"lbfgs"});
  only_for(a, a.linear_solver, "--linear-solver", {"irls"});
  apply_threads(a.threads);

  EnergyRules rules;
  rules.check_set = [](const std::string& assignment) {
    require(assignment.rfind("epsilon=", 0) != 0, "--set ", assignment,
            ": solve reports exact energies "
            "(epsilon = 0); use --epsilon for the L-BFGS smoothing or the IRLS floor");
  };
  const EnergySelection e = select_energy(a.energy, rules);
  require_mask_applies(a.energy, e.preset);
  // Refuse an unwritable OUTPUT/--trace now rather than after the solve.
  detail::format_of(a.output, true);
  check_writable(a.output, "OUTPUT");
  if (!a.trace.empty()) check_writable(a.trace, "--trace");

  Image<float> input = load_image(a.input);
  const PresetInputs inputs = load_preset_inputs(a.energy, input);
  Image<float> t = input;
  if (!a.init.empty()) {
    t = load_image(a.init);
    check_same_size(t, "--init " + a.init, input, "INPUT " + a.input);
  }
  const auto energy = make_energy(std::move(input), e.preset, e.params, inputs, PMap{e.pmap});

  const Summary s = solvers::solve(*kind, solve_options(a, *kind), energy, t);
  save_image(t, a.output);  // atomic; clamps to [0, 255] and rounds
  if (!a.trace.empty()) {
    const std::string csv = summary_csv(s);
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
  cmd->add_option("--iterations", a->iterations,
                  "iterations (default: irls 10, adam 100, lbfgs 100)");
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
  EnergyHelp help;
  help.mask = "foreground mask F for the background/foreground presets";
  help.set =
      "override an energy parameter, key=value (repeatable), as in `ismooth energy` (epsilon "
      "excepted: see --epsilon)";
  add_energy_options(*cmd, a->energy, help);
  add_threads_option(*cmd, a->threads, "OpenMP threads (default: all cores)");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace ismooth::cli
