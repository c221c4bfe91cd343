// ismooth — edge-preserving image smoothing (Fan et al. 2018).
// Usage: ismooth <command> [options]; `ismooth <command> --help` for each.
#include <cstdio>
#include <exception>
#include <new>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/omp_wait_policy.hpp"
#include "ismooth/error.hpp"

int main(int argc, char** argv) {
  ismooth::tool::default_to_passive_omp_wait(argv);
  CLI::App app{"ismooth: edge-preserving image smoothing by energy minimisation", "ismooth"};
  app.require_subcommand(1);
  ismooth::cli::Action action;
  ismooth::cli::add_energy_command(app, action);
  ismooth::cli::add_edges_command(app, action);
  ismooth::cli::add_saliency_command(app, action);
  ismooth::cli::add_solve_command(app, action);
  ismooth::cli::add_train_command(app, action);
  ismooth::cli::add_smooth_command(app, action);
  ismooth::cli::add_models_command(app, action);
  ismooth::cli::add_detail_command(app, action);
  ismooth::cli::add_stylize_command(app, action);
  ismooth::cli::add_experiment_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  ismooth::cli::install_cleanup_handlers();
  try {
    return action();
  } catch (const std::bad_alloc&) {
    // An image or network too large for this machine's memory: the bare
    // "std::bad_alloc" would not say so.
    std::fprintf(stderr,
                 "ismooth: error: out of memory (the image, network or batch needs more memory "
                 "than is available; try a smaller input or, for smooth, --max-memory)\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ismooth: error: %s\n", e.what());
    return 1;
  }
}
