// ismooth — edge-preserving image smoothing (Fan et al. 2018).
// Usage: ismooth <command> [options]; `ismooth <command> --help` for each.
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "ismooth/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"ismooth: edge-preserving image smoothing by energy minimisation", "ismooth"};
  app.require_subcommand(1);
  ismooth::cli::Action action;
  ismooth::cli::add_energy_command(app, action);
  ismooth::cli::add_edges_command(app, action);
  ismooth::cli::add_solve_command(app, action);
  ismooth::cli::add_train_command(app, action);
  ismooth::cli::add_smooth_command(app, action);
  ismooth::cli::add_experiment_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return action();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ismooth: error: %s\n", e.what());
    return 1;
  }
}
