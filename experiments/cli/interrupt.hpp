#pragma once
// Ctrl-C and SIGTERM for the long-running subcommands (train, experiment):
// the first signal sets a flag that the work polls between steps (the
// trainer checkpoints, the drivers stop between cached parts); the handler
// resets itself, so a second signal ends the process at once.

#include <atomic>

#include "ismooth/summary.hpp"

namespace ismooth::cli {

/// Installs the handler for SIGINT and SIGTERM.
void install_interrupt_handlers();

/// Whether a signal came; the flag itself for options that take one
/// (TrainerOptions::interrupt, OverfitOptions::interrupt).
bool interrupted();
const std::atomic<bool>* interrupt_flag();

/// The signal that came (SIGINT or SIGTERM), 0 if none.
int interrupt_signal();

/// A solver callback that aborts once interrupted.
IterationCallback abort_on_interrupt();

/// Thrown by work that stops between parts when interrupted.
struct Interrupted {};

}  // namespace ismooth::cli
