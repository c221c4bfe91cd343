// SIGINT/SIGTERM → one flag (interrupt.hpp).
#include "cli/interrupt.hpp"

#include <csignal>

namespace ismooth::cli {

namespace {

std::atomic<bool> g_interrupt{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_interrupt(int sig) {
  g_signal = sig;
  g_interrupt.store(true);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return g_interrupt.load(); }
const std::atomic<bool>* interrupt_flag() { return &g_interrupt; }
int interrupt_signal() { return int(g_signal); }

IterationCallback abort_on_interrupt() {
  return [](const IterationRecord&) {
    return interrupted() ? CallbackReturn::abort : CallbackReturn::continue_solving;
  };
}

}  // namespace ismooth::cli
