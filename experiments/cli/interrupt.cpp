// SIGINT/SIGTERM: temporaries removed, then a flag or the end (interrupt.hpp).
#include "cli/interrupt.hpp"

#include <csignal>

#include "ismooth/atomic_file.hpp"

namespace ismooth::cli {

namespace {

std::atomic<bool> g_interrupt{false};
std::atomic<bool> g_polling{false};
volatile std::sig_atomic_t g_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free);

// Async-signal-safe only: atomics, unlink (remove_temporary_files),
// signal, raise.
extern "C" void on_signal(int sig) {
  if (g_polling.load() && !g_interrupt.exchange(true)) {
    g_signal = sig;
    return;
  }
  remove_temporary_files();
  std::signal(sig, SIG_DFL);
  std::raise(sig);  // delivered on return: the process ends "killed by sig"
}

void install(bool polling) {
  g_polling.store(polling);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

void install_cleanup_handlers() { install(false); }
void install_interrupt_handlers() { install(true); }

bool interrupted() { return g_interrupt.load(); }
const std::atomic<bool>* interrupt_flag() { return &g_interrupt; }
int interrupt_signal() { return int(g_signal); }

IterationCallback abort_on_interrupt() {
  return [](const IterationRecord&) {
    return interrupted() ? CallbackReturn::abort : CallbackReturn::continue_solving;
  };
}

}  // namespace ismooth::cli
