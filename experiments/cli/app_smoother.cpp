// The base smoothing of the application commands (app_smoother.hpp).
#include "cli/app_smoother.hpp"

#include "ismooth/error.hpp"
#include "ismooth/filters/l0_smooth.hpp"
#include "ismooth/filters/wls.hpp"
#include "ismooth/network/default_model.hpp"
#include "ismooth/smooth.hpp"

namespace ismooth::cli {

void check_app_smoother(const AppSmoother& s, Spelling spelling) {
  const std::string smoother = option_name("smoother", spelling);
  require(s.smoother == "model" || s.smoother == "wls" || s.smoother == "l0", smoother, " ",
          s.smoother, ": unknown smoother; expected ", kAppSmoothers);
  require(s.smoother == "model" || s.model.empty(), option_name("model", spelling), " applies to ",
          smoother, " model, not ", s.smoother);
}

Image<float> app_smooth(const Image<float>& input, const AppSmoother& s) {
  check_app_smoother(s);
  if (s.smoother == "wls") return filters::wls_smooth(input);
  if (s.smoother == "l0") return filters::l0_smooth(input);
  SmoothOptions options;
  options.model = s.model.empty() ? network::default_model_path() : network::resolve_model(s.model);
  return ismooth::smooth(input, options);
}

}  // namespace ismooth::cli
