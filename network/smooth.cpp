// The one-call smoothing face of the network library (smooth.hpp).
#include "ismooth/smooth.hpp"

#include "ismooth/error.hpp"
#include "ismooth/network/default_model.hpp"

namespace ismooth {

bool SmoothOptions::IsValid(std::string* error) const {
  std::string why;
  if (!engine.IsValid(&why)) {
    if (error) *error = "engine: " + why;
    return false;
  }
  if (!inference.IsValid(&why)) {
    if (error) *error = "inference: " + why;
    return false;
  }
  return true;
}

Smoother::Smoother(const SmoothOptions& options) : inference_(options.inference) {
  // The model first, then the engine (make_network checks its options), so
  // a wrong path is reported as such whatever else is wrong.
  model_path_ = options.model.empty() ? network::default_model_path()
                                       : network::resolve_model(options.model.string());
  model_ = network::load_model(model_path_);
  net_ = network::make_network(model_.config, model_.parameters, options.engine);
  std::string why;
  require(inference_.IsValid(&why), "Smoother: invalid inference options: ", why);
}

Image<float> Smoother::operator()(const Image<float>& image, network::InferenceReport* report) {
  return network::smooth_with_network(*net_, image, inference_, report);
}

Image<float> smooth(const Image<float>& image, const SmoothOptions& options) {
  Smoother smoother(options);
  return smoother(image);
}

}  // namespace ismooth
