// Callbacks (summary.hpp, callbacks.hpp): the iterate is visible read-only,
// older record-only callbacks still work, and the ready-made ones (print,
// keep-best, early stop, write-trace, chain) do what they say.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ismooth/callbacks.hpp"
#include "ismooth/penalty_terms.hpp"
#include "ismooth/solvers/adam.hpp"
#include "ismooth/summary_io.hpp"
#include "test_support.hpp"

using namespace ismooth;

namespace {

/// Σ ρ(x − target) with a nearly-|d| ρ: its gradient is sign-like, so
/// Adam with a constant step oscillates about the target and the last
/// iterate is not the best.
ResidualPenalty<CharbonnierPenalty> fit() {
  return ResidualPenalty{make_image<double>(3, 4, 100.0), CharbonnierPenalty{1e-3}};
}

}  // namespace

TEST_CASE("callbacks see the iterate the record describes, read-only") {
  const auto f = fit();
  Image<double> x = test::random_image<double>(3, 4, 1, 50, 150);
  AdamOptions o;
  o.max_iterations = 30;
  o.learning_rate = 3;
  int seen = 0;
  o.callback = [&](const IterationState& state) {
    const Image<double>* t = state.x<Image<double>>();
    REQUIRE(t != nullptr);
    CHECK(state.x<Image<float>>() == nullptr);  // another type: no access
    CHECK(f.Evaluate(*t) == doctest::Approx(state.record.energy).epsilon(1e-14));
    ++seen;
    return CallbackReturn::continue_solving;
  };
  solve_adam(o, f, x);
  CHECK(seen == 31);
  // A callback written for the record alone still compiles and runs.
  int old_style = 0;
  o.callback = [&](const IterationRecord& r) {
    old_style += r.iteration >= 0;
    return CallbackReturn::continue_solving;
  };
  x = test::random_image<double>(3, 4, 1, 50, 150);
  solve_adam(o, f, x);
  CHECK(old_style == 31);
}

TEST_CASE("KeepBest keeps the lowest-energy iterate; stop_early; chain") {
  const auto f = fit();
  const Image<double> start = test::random_image<double>(3, 4, 2, 50, 150);
  Image<double> x = start;
  KeepBest<Image<double>> best;
  AdamOptions o;
  o.max_iterations = 60;
  o.learning_rate = 4;  // oscillates about the target: the last is not the best
  o.callback = best.callback();
  const Summary s = solve_adam(o, f, x);
  REQUIRE_FALSE(best.empty());
  CHECK(best.iteration() == s.best_iteration);
  CHECK(best.energy() == s.best_energy);
  CHECK(f.Evaluate(best.iterate()) == best.energy());
  CHECK(s.iterations.back().energy > best.energy());
  CHECK(s.returned_iteration == 60);  // Adam returns its last iterate

  // stop after 5 iterations without a new best, chained after KeepBest
  x = start;
  KeepBest<Image<double>> best2;
  EarlyStopOptions stop;
  stop.patience = 5;
  o.callback = chain(best2.callback(), stop_early(stop));
  const Summary e = solve_adam(o, f, x);
  CHECK(e.termination == TerminationType::user_success);
  CHECK(e.num_iterations() == best2.iteration() + 5);
  CHECK(e.num_iterations() < 60);

  // the target-energy rule, and chain stopping at the first non-continue
  x = start;
  stop = {};
  stop.target_energy = 0.5 * s.initial_energy;
  int after = 0;
  o.callback = chain(stop_early(stop), [&](const IterationRecord&) {
    ++after;
    return CallbackReturn::continue_solving;
  });
  const Summary t = solve_adam(o, f, x);
  CHECK(t.termination == TerminationType::user_success);
  CHECK(t.final_energy <= 0.5 * s.initial_energy);
  CHECK(after == t.num_iterations());  // not called on the stopping record
}

TEST_CASE("print_iterations and write_trace") {
  const auto f = fit();
  Image<double> x = test::random_image<double>(3, 4, 3, 50, 150);
  const auto dir = std::filesystem::temp_directory_path() / "ismooth_test_callbacks";
  std::filesystem::create_directories(dir);
  const auto trace = dir / "trace.csv";
  std::FILE* log = std::tmpfile();
  REQUIRE(log != nullptr);
  AdamOptions o;
  o.max_iterations = 12;
  o.callback = chain(print_iterations(log, 4), write_trace(trace, 1, "adam"));
  const Summary s = solve_adam(o, f, x);
  std::rewind(log);
  char buffer[4096] = {};
  const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, log);
  std::fclose(log);
  const std::string printed(buffer, n);
  CHECK(std::count(printed.begin(), printed.end(), '\n') == 4);  // iterations 0, 4, 8, 12
  CHECK(printed.find("iter    8") != std::string::npos);
  std::ifstream in(trace);
  std::stringstream text;
  text << in.rdbuf();
  const Summary back = parse_summary_csv(text.str(), trace.string());
  CHECK(back.solver == "adam");
  REQUIRE(back.iterations.size() == s.iterations.size());
  for (std::size_t k = 0; k < s.iterations.size(); ++k)
    CHECK(back.iterations[k].energy == s.iterations[k].energy);
  std::filesystem::remove_all(dir);
}
