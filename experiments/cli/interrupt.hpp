#pragma once
// SIGINT and SIGTERM. Every subcommand starts with install_cleanup_handlers
// (main.cpp): a signal removes the temporaries of writes in flight
// (ismooth/atomic_file.hpp) and ends the process as the signal would. The
// long-running ones (train, experiment) then call install_interrupt_handlers:
// the first signal sets a flag that the work polls between steps (the
// trainer checkpoints, the drivers stop between cached parts); a second one
// removes the temporaries and ends the process at once.

#include <atomic>

#include "ismooth/summary.hpp"

namespace ismooth::cli {

/// A signal removes the registered temporaries and ends the process.
void install_cleanup_handlers();

/// The first signal only sets the flag below; a second one acts as in
/// install_cleanup_handlers.
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
