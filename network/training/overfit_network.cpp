// Over-fitting the network to one image (overfit.hpp).
#include <cmath>

#include "ismooth/error.hpp"
#include "ismooth/network/overfit.hpp"
#include "ismooth/solvers/solve_common.hpp"
#include "training/host_train_pass.hpp"
#include "training/initial_weights.hpp"
#include "training/record_terms.hpp"

namespace ismooth::network {

Summary overfit_network(const OverfitOptions& o, const TrainingLoss& loss, Image<float>& output,
                        Parameters* final_parameters) {
  std::string why;
  if (!o.IsValid(&why)) fail("overfit_network: ", why);
  Parameters params = detail::initial_weights(o.config, o.initial, o.init, o.seed,
                                              o.zero_output_layer, "overfit_network");
  std::unique_ptr<Network> net = make_network(o.config, params, o.engine);
  AdamOptimizer adam(params, o.adam);

  const ismooth::detail::Stopwatch clock;
  Summary s;
  s.solver = "cnn-overfit";
  Image<float> t, dt, previous;
  Parameters grads = make_parameters(o.config);
  auto finish = [&](TerminationType type, std::string message) {
    s.termination = type;
    s.message = std::move(message);
    s.initial_energy = s.iterations.front().energy;
    s.final_energy = s.iterations.back().energy;
    s.seconds = clock.seconds();
    if (final_parameters != nullptr) *final_parameters = params;
    return s;
  };
  // On the host whatever the engine: the records need T.
  auto pass = [&](bool* finite) {
    return detail::host_train_pass(*net, loss, t, dt, grads, finite);
  };

  bool finite = true;
  IterationRecord r;
  detail::record_terms(r, pass(&finite));
  r.gradient_norm = finite ? l2_norm(grads) : std::nan("");
  r.extras["learning_rate"] = o.adam.learning_rate;
  r.extras["parameter_step"] = 0;
  r.seconds = clock.seconds();
  s.iterations.push_back(r);
  output = t;
  if (!finite) return finish(TerminationType::failure, "the initial energy is not finite");
  auto callback_stops = [&]() -> bool {
    if (!o.callback) return false;
    const CallbackReturn answer = o.callback(s.iterations.back());
    if (answer == CallbackReturn::continue_solving) return false;
    s.termination = answer == CallbackReturn::abort ? TerminationType::user_abort
                                                    : TerminationType::user_success;
    return true;
  };
  if (callback_stops()) return finish(s.termination, "stopped by the callback at iteration 0");

  Parameters kept = params;
  for (int k = 1; k <= o.max_iterations; ++k) {
    if (o.interrupt != nullptr && o.interrupt->load())
      return finish(TerminationType::user_abort,
                    "interrupted before iteration " + std::to_string(k));
    kept = params;
    const double rate =
        scheduled_learning_rate(o.adam.learning_rate, o.schedule, k, o.max_iterations);
    const double parameter_step = adam.step(params, grads, rate);
    if (std::isnan(parameter_step))
      return finish(TerminationType::failure,
                    "non-finite parameter gradient at iteration " + std::to_string(k - 1));
    net->set_parameters(params);
    previous = t;
    IterationRecord next;
    next.iteration = k;
    detail::record_terms(next, pass(&finite));
    if (!finite) {
      params = kept;
      return finish(TerminationType::failure, "the energy became non-finite at iteration " +
                                                  std::to_string(k) + "; kept iteration " +
                                                  std::to_string(k - 1));
    }
    next.gradient_norm = l2_norm(grads);
    next.step_norm = ismooth::detail::distance2(t, previous);
    next.energy_change = s.iterations.back().energy - next.energy;
    next.seconds = clock.seconds();
    next.extras["learning_rate"] = rate;
    next.extras["parameter_step"] = parameter_step;
    s.iterations.push_back(next);
    output = t;
    if (callback_stops())
      return finish(s.termination, "stopped by the callback at iteration " + std::to_string(k));
    const double before = s.iterations[s.iterations.size() - 2].energy;
    if (o.function_tolerance > 0 &&
        std::abs(next.energy_change) <= o.function_tolerance * std::abs(before))
      return finish(TerminationType::convergence,
                    "relative energy change below function_tolerance");
  }
  return finish(TerminationType::no_convergence,
                "reached max_iterations = " + std::to_string(o.max_iterations));
}

Summary overfit_network(const OverfitOptions& o, const SmoothingEnergy<float>& energy,
                        Image<float>& output, Parameters* final_parameters) {
  return overfit_network(o, PaperLoss(energy), output, final_parameters);
}

}  // namespace ismooth::network
