#pragma once
// The experiment drivers of `ismooth experiment NAME` (docs/spec/experiments.md).
// Each computes its part of the paper in C++, writes numbers (CSV with every
// per-iteration record) and figures (plot_experiments.py) under OUT/NAME/,
// prints a short table, and caches finished parts under OUT/cache/.

#include "drivers/driver_options.hpp"

namespace ismooth::experiments {

/// Fig. 6: energy vs iteration, three fixed-p energies, every solver.
int run_fig6(const DriverOptions& o);
/// Fig. 5 and 7: the visual grid solver × p setting on one photo.
int run_fig5_7(const DriverOptions& o);
/// Sec. 5.3: energy and L2-mask fraction per iteration under the adaptive map.
int run_adaptive(const DriverOptions& o);
/// Fig. 9: λ_e / λ_f grid and the residual-learning ablation.
int run_fig9(const DriverOptions& o);
/// Table 1: runtimes at QVGA, VGA and 720p.
int run_table1(const DriverOptions& o);
/// Fig. 10: abstraction and pencil drawing on ours, WLS and L0.
int run_fig10(const DriverOptions& o);
/// Fig. 11: detail magnification and its gradient-reversal measure.
int run_fig11(const DriverOptions& o);
/// Fig. 12: texture removal, scored against the clean structure of synthetic
/// scenes and run on the test photos.
int run_fig12(const DriverOptions& o);
/// Fig. 13: the saliency detectors and content-aware smoothing, scored
/// against the true subject mask of synthetic scenes and run on the test photos.
int run_fig13(const DriverOptions& o);

}  // namespace ismooth::experiments
