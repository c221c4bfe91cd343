// ismooth solve INPUT OUTPUT --solver irls|adam|lbfgs [--energy adaptive|l2|l08|half]
//               [--preset NAME] [--mask F.png] [--set key=value]... [--iterations N]
//               [--edges B.png] [--init T.png] [--trace FILE.csv] [--json] [--verbose]
//               [--learning-rate LR] [--schedule constant|cosine]          (adam)
//               [--smoothing-epsilon E] [--memory M]                        (lbfgs)
//               [--expansion-floor D] [--linear-solver auto|cholmod|pcg]    (irls)
//               (--epsilon E: the older name of both)
//               [--threads N]
//
// Minimises the energy (Eq. 1) of one image, starting from T = I (or --init),
// and writes the final iterate, clamped to [0, 255] and rounded only when
// written. A solve that fails (Summary termination "failure") or ends with a
// non-finite energy or iterate writes nothing and exits 1. OUTPUT and
// --trace may not be an input (INPUT, --init, --mask, --edges) or each other. Images are held in
// float (the energy kernels are about twice as fast as in double; every energy is accumulated and
// reported in double). Contracts (tests/cli/test_solve.sh): flag names, JSON keys, CSV header.
#include "ismooth/solvers/solve_settings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/device_options.hpp"
#include "cli/energy_options.hpp"
#include "cli/flag_values.hpp"
#include "cli/output_paths.hpp"
#include "ismooth/callbacks.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::cli {

namespace {

struct Args {
  std::string input, output, solver, init, trace;
  EnergyOptions energy;
  std::string schedule, linear_solver;
  // Numbers (flag_values.hpp); unset: the solver's default.
  NumericFlags numbers;
  int iterations = 0, memory = 0;
  double learning_rate = 0, epsilon = 0, smoothing_epsilon = 0, expansion_floor = 0;
  CLI::Option *iterations_flag = nullptr, *learning_rate_flag = nullptr, *epsilon_flag = nullptr,
              *smoothing_epsilon_flag = nullptr, *expansion_floor_flag = nullptr,
              *memory_flag = nullptr;
  ThreadsOption threads{"", 1};
  bool json = false, verbose = false;
};

std::string json_report(const Summary& s, const Args& a, const Image<float>& t) {
  JsonContext context;
  context.after_solver = {{"energy", json_string(a.energy.energy)},
                          {"preset", json_string(a.energy.preset)},
                          {"width", std::to_string(width(t))},
                          {"height", std::to_string(height(t))}};
  context.before_records = {{"output", json_string(a.output)}};
  return summary_json(s, context);
}

/// A failed solve, or one whose energy or iterate is not finite, writes
/// nothing: an image of clamped NaNs would look like a result.
void refuse_failed_solve(const Summary& s, const Image<float>& t, const std::string& output) {
  require(s.termination != TerminationType::failure, "the solver failed: ", s.message, " ('",
          output, "' not written)");
  require(std::isfinite(s.final_energy), "the final energy is ", s.final_energy,
          ", not finite (try other --set values; '", output, "' not written)");
  const bool finite = std::all_of(t.begin(), t.end(), [](float v) { return std::isfinite(v); });
  require(finite, "the final iterate has non-finite pixels ('", output, "' not written)");
}

/// The flags as solve_settings.hpp's settings (shared with the Python module).
solvers::SolveSettings settings(const Args& a) {
  solvers::SolveSettings s;
  s.solver = a.solver;
  if (a.iterations_flag->count() > 0) s.iterations = a.iterations;
  if (a.learning_rate_flag->count() > 0) s.learning_rate = a.learning_rate;
  s.schedule = a.schedule;
  if (a.epsilon_flag->count() > 0) s.epsilon = a.epsilon;
  if (a.smoothing_epsilon_flag->count() > 0) s.smoothing_epsilon = a.smoothing_epsilon;
  if (a.expansion_floor_flag->count() > 0) s.expansion_floor = a.expansion_floor;
  if (a.memory_flag->count() > 0) s.memory = a.memory;
  s.linear_solver = a.linear_solver;
  return s;
}

int run(const Args& a) {
  const solvers::SolverKind kind = solvers::settings_solver(settings(a));
  a.numbers.parse_all();
  apply_threads(a.threads);

  EnergyRules rules;
  rules.check_set = [](const std::string& assignment) {
    require(assignment.rfind("epsilon=", 0) != 0, "--set ", assignment,
            ": solve reports exact energies "
            "(epsilon = 0); use --smoothing-epsilon for the L-BFGS smoothing or "
            "--expansion-floor for the IRLS floor");
  };
  const EnergySelection e = select_energy(a.energy, rules);
  require_mask_applies(a.energy, e.preset);
  solvers::SolveOptions options = solvers::solve_options(settings(a), e.pmap);
  if (a.verbose) options.set_callback(print_iterations(stderr));
  // Refuse an unwritable OUTPUT/--trace, or one that is an input, now
  // rather than after the solve.
  detail::format_of(a.output, true);
  check_outputs({{"OUTPUT", a.output}, {"--trace", a.trace}}, {{"INPUT", a.input},
                                                               {"--init", a.init},
                                                               {"--mask", a.energy.mask},
                                                               {"--edges", a.energy.edges}});

  Image<float> input = load_image(a.input);
  const PresetInputs inputs = load_preset_inputs(a.energy, input);
  Image<float> t = input;
  if (!a.init.empty()) {
    t = load_image(a.init);
    check_same_size(t, "--init " + a.init, input, "INPUT " + a.input);
  }
  const auto energy = make_energy(std::move(input), e.preset, e.params, inputs, PMap{e.pmap});

  const Summary s = solvers::solve(kind, options, energy, t);
  refuse_failed_solve(s, t, a.output);
  save_image(t, a.output);  // atomic; clamps to [0, 255] and rounds
  if (!a.trace.empty()) write_summary_csv(a.trace, s);
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
  a->iterations_flag = a->numbers.add(*cmd, "--iterations", a->iterations, {1, 10000000, ""},
                                      "iterations (default: irls 10, adam 100, lbfgs 100)");
  cmd->add_option("--init", a->init, "start from this image instead of T = INPUT");
  cmd->add_option("--trace", a->trace, "write one CSV row per iteration (iteration 0 = start)");
  cmd->add_flag("--json", a->json,
                "print the summary and every record as one JSON object "
                "(nothing else on stdout)");
  cmd->add_flag("--verbose,-v", a->verbose,
                "print each iteration to stderr as it ends, and the "
                "full report");
  a->learning_rate_flag =
      a->numbers.add(*cmd, "--learning-rate", a->learning_rate, {0, 1e6, true, ""},
                     "adam: step in grey levels (default 0.5 for --energy adaptive, 5 otherwise)");
  cmd->add_option("--schedule", a->schedule, "adam: constant (default) or cosine decay");
  a->epsilon_flag =
      a->numbers.add(*cmd, "--epsilon", a->epsilon, {0, 255, false, ""},
                     "older name of --smoothing-epsilon (lbfgs) and --expansion-floor (irls)");
  a->smoothing_epsilon_flag = a->numbers.add(
      *cmd, "--smoothing-epsilon", a->smoothing_epsilon, {0, 255, false, ""},
      "lbfgs: smoothing of |d|^p in grey levels (default 0.25), applied to the minimised "
      "energy only; reported energies use epsilon = 0");
  a->expansion_floor_flag = a->numbers.add(
      *cmd, "--expansion-floor", a->expansion_floor, {0, 255, true, ""},
      "irls: pair differences below this (grey levels) are majorised at it (default 0.01)");
  a->memory_flag = a->numbers.add(*cmd, "--memory", a->memory, {1, 1000, ""},
                                  "lbfgs: correction pairs kept (default 20)");
  cmd->add_option("--linear-solver", a->linear_solver,
                  "irls: auto (default: CHOLMOD up to 120000 pixels, else PCG), cholmod, pcg");
  EnergyHelp help;
  help.mask = "foreground mask F for the background/foreground presets";
  help.set =
      "override an energy parameter, key=value (repeatable), as in `ismooth energy` (epsilon "
      "excepted: see --smoothing-epsilon)";
  add_energy_options(*cmd, a->energy, help);
  add_threads_option(*cmd, a->threads, "OpenMP threads (default: all cores)");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace ismooth::cli
