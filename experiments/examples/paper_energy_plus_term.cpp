// Example: the paper's energy plus a term of your own, minimised by L-BFGS,
// watched with callbacks, traced to CSV and plotted.
//
//   paper_energy_plus_term INPUT OUTPUT TRACE.csv
//
// The paper's energy (smoothing preset, all-L0.8 map) plus 0.02 × a Huber total
// variation; L-BFGS smooths the paper's |d|^p inside the sum as it does for
// the energy alone, and reports the exact energy with each part's value
// (extras "term:paper", "term:tv"). The trace is the CSV that
//   share/ismooth/plot_trace.py PLOT.png TRACE.csv --terms
// draws (experiments/scripts/plot_trace.py here). Links ismooth::solvers.
#include <cstdio>
#include <exception>
#include <ismooth/callbacks.hpp>
#include <ismooth/image_io.hpp>
#include <ismooth/penalty_terms.hpp>
#include <ismooth/presets.hpp>
#include <ismooth/solvers/lbfgs.hpp>
#include <ismooth/summary_io.hpp>

using namespace ismooth;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: paper_energy_plus_term INPUT OUTPUT TRACE.csv\n");
    return 2;
  }
  try {
    const Image<float> input = load_image(argv[1]);
    // The all-L0.8 map of the paper's solver study (λ_e = 0): on the
    // adaptive map L-BFGS can stall at T = I where E(I) is 0 on flat areas
    // (docs/solvers.md, "L-BFGS").
    EnergyParams params = preset_params(Preset::smoothing);
    params.lambda_e = 0;
    const SmoothingEnergy<float> paper =
        make_energy(input, Preset::smoothing, params, {}, PMap{PMapKind::all_lp});
    const NeighbourPenalty tv{HuberPenalty{4.0}};
    const WeightedSum f{Weighted{1.0, std::cref(paper), "paper"},
                        Weighted{0.02, std::cref(tv), "tv"}};

    Image<float> t = input;
    KeepBest<Image<float>> best;  // L-BFGS returns its last iterate; keep the best too
    LbfgsOptions o;
    o.max_iterations = 30;
    o.callback =
        chain(print_iterations(stdout, 10), best.callback(), write_trace(argv[3], 1, "lbfgs"));
    const Summary s = solve_lbfgs(o, f, t);
    std::printf("%s\n", s.BriefReport().c_str());
    const IterationRecord& last = s.iterations.back();
    std::printf("paper %.6g (data %.4g, flatten %.4g, edge %.4g), tv %.6g; best at iteration %d\n",
                last.extras.at("term:paper"), last.data, last.flatten, last.edge,
                last.extras.at("term:tv"), best.iteration());
    save_image(best.iterate(), argv[2]);
    // The whole Summary, extras included, as JSON beside the trace.
    write_summary_json(std::string(argv[3]) + ".json", s);
    return s.final_energy < s.initial_energy ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "paper_energy_plus_term: error: %s\n", e.what());
    return 1;
  }
}
