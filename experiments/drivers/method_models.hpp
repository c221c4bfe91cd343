#pragma once
// Trained models as methods of the drivers fig12 and fig13: the texture,
// background and foreground models of paper Sec. 7.3–7.4 and the smoothing
// network, each by its name in the shipped-model registry
// (network/default_model.hpp). A method runs when the registry says its
// model is shipped, or when `--use-model NAME=FILE` names a file for it
// (a model trained elsewhere, or a tiny one in a test); otherwise the
// driver prints a note and writes a "not shipped" row.

#include <filesystem>
#include <string>

#include "drivers/driver_options.hpp"

namespace ismooth::experiments {

/// The model of one driver method.
struct MethodModel {
  std::string name;  ///< registry name: texture, background, foreground, smoothing
  fs::path path;     ///< the file to run; empty when not available
  /// "ok", or "not shipped" (the registry's entry is not trained yet).
  std::string status;
  bool available() const { return !path.empty(); }
};

/// Checks every --use-model value before any work: NAME=FILE with NAME a
/// registered model's name and FILE an existing file. Throws ismooth::Error
/// naming the bad value.
void check_use_models(const DriverOptions& o);

/// The model for `name`: the --use-model file if given, else the shipped
/// model when the registry marks it shipped, else a "not shipped" entry
/// (and a note on stdout saying how to supply one).
MethodModel method_model(const DriverOptions& o, const std::string& name);

}  // namespace ismooth::experiments
