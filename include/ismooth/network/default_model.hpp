#pragma once
/// \file
/// Where the shipped model lives: `ismooth smooth` and smooth_with_model
/// callers use it when no model is named.
///
/// Lookup order (the first that applies wins):
///  1. the environment variable `ISMOOTH_MODEL`, if set and non-empty (it must
///     then name an existing file: a setting that points nowhere is an error,
///     not a reason to fall back silently);
///  2. the installed model beside the executable,
///     `<dir of /proc/self/exe>/../share/ismooth/models/default.model` (the
///     data directory is CMAKE_INSTALL_DATADIR), so an install prefix can be
///     moved;
///  3. the model in the source tree this library was built from,
///     `<source>/network/models/default.model` (a build used in place).
/// (An explicit `--model FILE` comes before all of these in the tool.)
///
/// **Shipped models by name.** Every model the project ships has a name
/// (`smoothing` is the default model above, `detail` the detail-magnification
/// model of docs/applications.md); `--model NAME` and SmoothOptions::model
/// accept a name wherever they accept a file. The registry is the table
/// shipped_models(); a named model's file is looked up as the default model
/// is (installed `share/ismooth/models/FILE` beside the executable, then the
/// source tree's `network/models/FILE`), without ISMOOTH_MODEL, which only
/// replaces the default.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ismooth/option_spelling.hpp"

namespace ismooth::network {

/// The environment variable that overrides the default model.
inline constexpr const char* kDefaultModelVariable = "ISMOOTH_MODEL";

/// The places searched after `ISMOOTH_MODEL`, in order: the installed
/// location relative to the running executable (omitted if /proc/self/exe
/// cannot be read), then the source-tree path compiled in.
std::vector<std::filesystem::path> default_model_candidates();

/// The model to use when none is named, per the lookup order in \file.
/// Throws ismooth::Error naming every place searched if none holds a file
/// (and the model option as `spelling` writes it).
std::filesystem::path default_model_path(Spelling spelling = Spelling::flag);

/// One entry of the registry of shipped models.
struct ShippedModel {
  std::string_view name;     ///< what `--model NAME` takes, e.g. "smoothing"
  std::string_view file;     ///< file name under share/ismooth/models and network/models
  std::string_view preset;   ///< the energy preset it was trained on (docs/spec/energy.md §6)
  std::string_view summary;  ///< one line: network size, training run, status
  std::string_view card;     ///< its model card, relative to the source tree
  /// False while the model is registered but not trained yet: looking it up
  /// says so instead of reporting a missing file.
  bool shipped;
};

/// Every shipped model, the default (`smoothing`) first.
const std::vector<ShippedModel>& shipped_models();

/// The registry entry called `name`; throws ismooth::Error listing the known
/// names if there is none.
const ShippedModel& shipped_model(std::string_view name);

/// The places searched for a shipped model's file, in order (as
/// default_model_candidates, with `file` for default.model).
std::vector<std::filesystem::path> shipped_model_candidates(std::string_view file);

/// The file of the shipped model called `name`. Throws ismooth::Error for an
/// unknown name (listing the known ones), a model not shipped yet (saying how
/// it will be trained), or a file found nowhere (listing the places).
std::filesystem::path shipped_model_path(std::string_view name, Spelling spelling = Spelling::flag);

/// What `--model` means: an existing file is used as given (a path always
/// wins, so files named like a model keep working); otherwise a shipped
/// model's name; otherwise an error naming both readings and the known names
/// (and the option as `spelling` writes it: "--model", "model").
std::filesystem::path resolve_model(const std::string& name_or_path,
                                    Spelling spelling = Spelling::flag);

}  // namespace ismooth::network
