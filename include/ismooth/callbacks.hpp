#pragma once
/// \file
/// Ready-made iteration callbacks (summary.hpp) for every solver's
/// `options.callback`:
///
///     KeepBest<Image<float>> best;
///     AdamOptions o;
///     o.callback = chain(print_iterations(), best.callback(),
///                        stop_early({.patience = 20}), write_trace("run.csv"));
///     solve_adam(o, energy, t);
///     t = best.iterate();   // Adam and L-BFGS return their last iterate
///
/// Each returns an IterationCallback; `chain` runs several in order and
/// stops at the first that does not say continue. Callbacks are copied into
/// the options, so state that outlives the solve (KeepBest's copy) lives in
/// an object the caller keeps; the others keep theirs in the callback.

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ismooth/error.hpp"
#include "ismooth/summary.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth {

/// One line per `every`-th record to `out`: iteration, energy, energy
/// change, ‖Δx‖, wall time (what `ismooth solve --verbose` prints).
inline IterationCallback print_iterations(std::FILE* out = stderr, int every = 1) {
  return [out, every](const IterationRecord& r) {
    if (every <= 1 || r.iteration % every == 0)
      std::fprintf(out, "  iter %4d  energy %.9g  change %.3g  |step| %.3g  %.3f s\n", r.iteration,
                   r.energy, r.energy_change, r.step_norm, r.seconds);
    return CallbackReturn::continue_solving;
  };
}

/// One status line to `out`, rewritten in place ("\r"): iteration k of
/// `total`, energy, elapsed time; a newline after the record of iteration
/// `total`. For terminals; use print_iterations for logs.
inline IterationCallback progress(int total, std::FILE* out = stderr) {
  return [total, out](const IterationRecord& r) {
    std::fprintf(out, "\r  %d/%d  energy %.9g  %.1f s   ", r.iteration, total, r.energy, r.seconds);
    if (r.iteration >= total) std::fputc('\n', out);
    std::fflush(out);
    return CallbackReturn::continue_solving;
  };
}

/// Keeps a copy of the iterate of lowest energy seen by its callback (the
/// record's exact energy). The object must outlive the solve; X is the
/// solver's variable type (e.g. Image<float>): a callback fed another type
/// throws ismooth::Error, since it cannot copy the iterate.
template <class X>
class KeepBest {
 public:
  /// The callback to put in the solver's options (refers to this object).
  IterationCallback callback() {
    return [this](const IterationState& state) {
      const double e = state.record.energy;
      if (std::isfinite(e) && !(e >= energy_)) {
        const X* x = state.x<X>();
        require(x != nullptr, "KeepBest: the solver's iterate is not of the type KeepBest holds");
        iterate_ = *x;
        energy_ = e;
        iteration_ = state.record.iteration;
      }
      return CallbackReturn::continue_solving;
    };
  }

  bool empty() const { return iteration_ < 0; }
  /// The best iterate seen (empty X before any finite record).
  const X& iterate() const { return iterate_; }
  double energy() const { return energy_; }
  int iteration() const { return iteration_; }  ///< −1 before any finite record

 private:
  X iterate_{};
  double energy_ = std::nan("");
  int iteration_ = -1;
};

/// When stop_early ends a run (stop_with_success; the solver keeps its
/// result). Every test is off at its default.
struct EarlyStopOptions {
  /// Stop after this many iterations without a new lowest energy that is
  /// at least min_relative_decrease·|best| below the previous best; 0 = off.
  int patience = 0;
  double min_relative_decrease = 0;
  /// Stop once the energy is ≤ this; NaN = off.
  double target_energy = std::nan("");
  /// Stop after the first record past this wall time (s); 0 = off.
  double max_seconds = 0;
};

/// A callback that asks the solver to stop with success by `o`'s rules.
inline IterationCallback stop_early(EarlyStopOptions o) {
  struct State {
    double best = std::nan("");
    int best_iteration = 0;
  };
  auto state = std::make_shared<State>();
  return [o, state](const IterationRecord& r) {
    if (std::isfinite(r.energy) &&
        (std::isnan(state->best) ||
         r.energy < state->best - o.min_relative_decrease * std::abs(state->best))) {
      state->best = r.energy;
      state->best_iteration = r.iteration;
    }
    const bool stale = o.patience > 0 && r.iteration - state->best_iteration >= o.patience;
    const bool reached = !std::isnan(o.target_energy) && r.energy <= o.target_energy;
    const bool late = o.max_seconds > 0 && r.seconds > o.max_seconds;
    return stale || reached || late ? CallbackReturn::stop_with_success
                                    : CallbackReturn::continue_solving;
  };
}

/// A callback that keeps the CSV trace of the run at `path` up to date
/// (summary_io.hpp's format with its comment line, so parse_summary_csv
/// reads it back): every `every`-th record rewrites the file atomically, so
/// it is whole at any moment (with every > 1 the last records may be
/// missing; after the solve, write_summary_csv of the Summary has them
/// all). The extra columns are those of the records seen so far. `solver`
/// fills the comment line's solver cell.
inline IterationCallback write_trace(const std::filesystem::path& path, int every = 1,
                                     std::string solver = "") {
  auto summary = std::make_shared<Summary>();
  summary->solver = std::move(solver);
  return [path, every, summary](const IterationRecord& r) {
    summary->iterations.push_back(r);
    if (every <= 1 || r.iteration % every == 0) {
      SummaryCsvOptions options;
      options.comment_line = true;
      summary->seconds = r.seconds;
      write_summary_csv(path, *summary, options);
    }
    return CallbackReturn::continue_solving;
  };
}

/// Runs `callbacks` in order on each iteration; returns the first answer
/// that is not continue_solving (the later ones are then not called).
inline IterationCallback chain(std::vector<IterationCallback> callbacks) {
  return [callbacks = std::move(callbacks)](const IterationState& state) {
    for (const auto& c : callbacks)
      if (c) {
        const CallbackReturn answer = c(state);
        if (answer != CallbackReturn::continue_solving) return answer;
      }
    return CallbackReturn::continue_solving;
  };
}

/// chain of the given callbacks.
template <class... C>
IterationCallback chain(IterationCallback first, C&&... rest) {
  return chain(std::vector<IterationCallback>{std::move(first), IterationCallback(rest)...});
}

}  // namespace ismooth
