#pragma once
/// \file
/// Parameters of the smoothing energy (docs/spec/energy.md §4–§6, §10) and the words
/// that name them: the `key=value` spelling of the command line (`--set`),
/// the one-line description that logs, model metadata, training checkpoints
/// and experiment cache keys carry, and the names of the p maps.

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "ismooth/error.hpp"
#include "ismooth/option_spelling.hpp"

namespace ismooth {

/// How the flattening term is differentiated (docs/spec/energy.md §10).
enum class GradientMode {
  exact,    ///< the true gradient, sign(0) = 0 (default)
  clipped,  ///< the authors' training gradient: ρ' → p·min(|d|^{p−1}, 1)·sign(d)
};

/// Which pixels use p_large with weight α·w^s (the "L2 mask" M) and which use
/// p_small with weight w^r (docs/spec/energy.md §5, §7).
enum class PMapKind {
  adaptive,  ///< Eq. 8: recomputed from the current T at every evaluation
  all_l2,    ///< M = 1 everywhere (the energy is quadratic when p_large = 2)
  all_lp,    ///< M = 0 everywhere ("all-L0.8" with the default p_small)
  half,      ///< M = 1 on the left half (x < W/2), 0 on the right
  custom,    ///< a caller-supplied mask
};

/// Every scalar parameter of the energy. Defaults are the paper's (Sec. 4)
/// with the smoothing preset's 7×7 mask dilation.
struct EnergyParams {
  double sigma_r = 0.1;   ///< colour-weight σ on YUV in [0,1] (Eq. 6)
  double sigma_s = 7.0;   ///< spatial-weight σ in pixels (Eq. 7)
  double lambda_f = 1.0;  ///< weight of the flattening term (Eq. 1)
  double lambda_e = 0.1;  ///< weight of the edge-preserving term (Eq. 1)
  double alpha = 5.0;     ///< extra weight of L2 pixels (Eq. 8)
  double c1 = 20.0;       ///< L2 mask: E_i(I) < c1 (Eq. 8); +∞ allowed
  double c2 = 10.0;       ///< L2 mask: E_i(T) − E_i(I) > c2 (Eq. 8)
  int radius = 10;        ///< window W_h with h = 2·radius + 1
  double p_large = 2.0;   ///< exponent inside the L2 mask
  double p_small = 0.8;   ///< exponent outside it
  bool dilate = true;     ///< grow the adaptive mask by a 7×7 window (Sec. 7.1)
  GradientMode gradient = GradientMode::exact;
  /// Colour weights below this are set to 0 (the authors' implementation).
  double colour_weight_floor = 0.3;
  /// Margin of Eq. 8's zeroed-guidance clause: M_i = 1 where G_i = 0 and
  /// E_i(T) − G_i > this. 0 is docs/spec/energy.md §5 (any rise selects L2). On photos with
  /// exactly flat areas (E(I) = 0) that makes T = I an isolated minimum, since
  /// the slightest change there switches to the α-weighted L2 penalty; a
  /// margin of a few grey levels keeps the clause for zeroed texture guidance
  /// while ignoring such noise (docs/network.md, "What the first training runs
  /// taught us"). Not in the paper.
  double zero_guidance_margin = 0.0;
  /// Smoothing of ρ_p: (d² + ε²)^{p/2} − ε^p instead of |d|^p (the shift keeps
  /// ρ(0) = 0 so constant images stay at zero energy), for solvers that need
  /// a smooth objective (§10). 0 = the exact penalty. Reported energies of the
  /// solvers always use ε = 0.
  double epsilon = 0.0;

  int window() const { return 2 * radius + 1; }

  bool operator==(const EnergyParams&) const = default;

  /// True when every value is usable; otherwise `*error` says which is not.
  bool IsValid(std::string* error) const {
    auto bad = [&](const std::string& why) {
      if (error) *error = why;
      return false;
    };
    auto positive = [](double v) { return std::isfinite(v) && v > 0; };
    if (!positive(sigma_r))
      return bad("sigma_r must be finite and > 0, got " + std::to_string(sigma_r));
    if (!positive(sigma_s))
      return bad("sigma_s must be finite and > 0, got " + std::to_string(sigma_s));
    if (!(std::isfinite(lambda_f) && lambda_f >= 0))
      return bad("lambda_f must be finite and >= 0, got " + std::to_string(lambda_f));
    if (!(std::isfinite(lambda_e) && lambda_e >= 0))
      return bad("lambda_e must be finite and >= 0, got " + std::to_string(lambda_e));
    if (!(std::isfinite(alpha) && alpha >= 0))
      return bad("alpha must be finite and >= 0, got " + std::to_string(alpha));
    if (std::isnan(c1)) return bad("c1 must be a number (inf allowed)");
    if (!std::isfinite(c2)) return bad("c2 must be finite, got " + std::to_string(c2));
    if (radius < 1 || radius > 64)
      return bad("radius must be in [1, 64], got " + std::to_string(radius));
    if (!(p_large > 0 && p_large <= 2))
      return bad("p_large must be in (0, 2], got " + std::to_string(p_large));
    if (!(p_small > 0 && p_small <= 2))
      return bad("p_small must be in (0, 2], got " + std::to_string(p_small));
    if (!(colour_weight_floor >= 0 && colour_weight_floor < 1))
      return bad("colour_weight_floor must be in [0, 1)");
    if (!(std::isfinite(epsilon) && epsilon >= 0))
      return bad("epsilon must be finite and >= 0, got " + std::to_string(epsilon));
    if (!(std::isfinite(zero_guidance_margin) && zero_guidance_margin >= 0))
      return bad("zero_guidance_margin must be finite and >= 0, got " +
                 std::to_string(zero_guidance_margin));
    return true;
  }

  /// Throws ismooth::Error naming `where` unless IsValid().
  void validate(std::string_view where) const {
    std::string why;
    if (!IsValid(&why)) fail(where, ": ", why);
  }
};

/// Every key of set_parameter and describe_energy_params, one per field of
/// EnergyParams, in the order of the description.
// clang-format off
inline constexpr std::array<std::string_view, 15> kEnergyParameterKeys = {
    "sigma_r", "sigma_s", "lambda_f", "lambda_e", "alpha",
    "c1", "c2", "radius", "p_large", "p_small",
    "dilate", "gradient", "colour_weight_floor", "epsilon", "zero_guidance_margin"};
// clang-format on

/// Sets one parameter from its command-line spelling: a key of
/// kEnergyParameterKeys; dilate takes 0/1, gradient exact|clipped, radius an
/// integer, the others a number (inf allowed). Unknown keys and unparsable
/// values throw, naming the assignment as `spelling` writes it ("--set
/// key=value" or "key=value"); range checks are left to IsValid().
void set_parameter(EnergyParams& params, std::string_view key, std::string_view value,
                   Spelling spelling = Spelling::flag);

/// Parses "key=value" and calls set_parameter.
void set_parameter(EnergyParams& params, std::string_view assignment,
                   Spelling spelling = Spelling::flag);

/// "key=value,..." of every parameter, numbers to 17 significant digits, so
/// that set_parameter on each pair gives `params` back exactly. Logs, model
/// metadata, training checkpoints (whose resume compares it) and experiment
/// cache keys carry it, so its text is a file format: keys added after the
/// first version (zero_guidance_margin) are written only where they differ
/// from their default, which makes every description written before them
/// read as that default and stay equal to today's.
std::string describe_energy_params(const EnergyParams& params);

/// "exact" or "clipped", as set_parameter's gradient key spells them.
const char* gradient_name(GradientMode mode);

/// The command line's names of the p maps: adaptive, l2 (all-L2), l08
/// (all-Lp), half; "custom" for a caller's own map (no name parses to it).
const char* pmap_name(PMapKind kind);

/// Parses pmap_name's names (and "lp" for all_lp); throws ismooth::Error
/// for any other, custom included.
PMapKind parse_pmap_kind(std::string_view name);

}  // namespace ismooth

#include "ismooth/detail/energy_params_parse.hpp"
