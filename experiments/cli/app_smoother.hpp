#pragma once
// The base smoothing of `ismooth detail` and `ismooth stylize`: the network
// (a shipped model by name, or a model file) or a classic smoother of the
// library (WLS, L0; include/ismooth/filters/), chosen by --smoother.

#include <string>

#include "ismooth/image.hpp"
#include "ismooth/option_spelling.hpp"

namespace ismooth::cli {

/// What --smoother and --model chose.
struct AppSmoother {
  std::string smoother = "model";  ///< model | wls | l0
  std::string model;               ///< --model (empty: the command's default)
};

/// Throws ismooth::Error for an unknown --smoother, or --model with a smoother
/// other than `model`, naming them as `spelling` writes them.
void check_app_smoother(const AppSmoother& s, Spelling spelling = Spelling::flag);

/// The names --smoother accepts, for help texts and messages.
inline constexpr const char* kAppSmoothers = "model (default), wls or l0";

/// `input` smoothed as chosen. `model` (resolved by network::resolve_model)
/// runs through ismooth::Smoother with the authors' gain matching.
Image<float> app_smooth(const Image<float>& input, const AppSmoother& s);

}  // namespace ismooth::cli
