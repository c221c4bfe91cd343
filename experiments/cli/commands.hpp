#pragma once
// The subcommands of the ismooth tool. Each registers its options on the
// CLI11 app and returns the action to run once parsing succeeded.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace ismooth::cli {

using Action = std::function<int()>;

/// `ismooth energy INPUT OUTPUT ...`: the energy of OUTPUT as a smoothing of INPUT.
void add_energy_command(CLI::App& app, Action& action);
/// `ismooth edges INPUT --out B.png [--texture]`: edge maps as 0/255 PNG.
void add_edges_command(CLI::App& app, Action& action);
/// `ismooth saliency INPUT --out F.png [--threshold T] [--soft S.png]`: the salient-object mask.
void add_saliency_command(CLI::App& app, Action& action);
/// `ismooth solve INPUT OUTPUT --solver irls|adam|lbfgs ...`: per-image minimisation.
void add_solve_command(CLI::App& app, Action& action);
/// `ismooth train --data DIR --out MODEL ...` (or `--overfit IMAGE`): train the network.
void add_train_command(CLI::App& app, Action& action);
/// `ismooth smooth INPUT OUTPUT --model FILE`: smooth with a trained network.
void add_smooth_command(CLI::App& app, Action& action);
/// `ismooth models`: the shipped models, their presets, sizes and model cards.
void add_models_command(CLI::App& app, Action& action);
/// `ismooth detail INPUT OUTPUT ...`: detail magnification on a smoothing (docs/applications.md).
void add_detail_command(CLI::App& app, Action& action);
/// `ismooth stylize INPUT OUTPUT --style ...`: abstraction and pencil drawing.
void add_stylize_command(CLI::App& app, Action& action);

/// `ismooth experiment NAME ...`: the drivers reproducing the paper's figures and tables.
void add_experiment_command(CLI::App& app, Action& action);

}  // namespace ismooth::cli
