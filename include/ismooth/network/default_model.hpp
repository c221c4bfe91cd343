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

#include <filesystem>
#include <vector>

namespace ismooth::network {

/// The environment variable that overrides the default model.
inline constexpr const char* kDefaultModelVariable = "ISMOOTH_MODEL";

/// The places searched after `ISMOOTH_MODEL`, in order: the installed
/// location relative to the running executable (omitted if /proc/self/exe
/// cannot be read), then the source-tree path compiled in.
std::vector<std::filesystem::path> default_model_candidates();

/// The model to use when none is named, per the lookup order in \file.
/// Throws ismooth::Error naming every place searched if none holds a file.
std::filesystem::path default_model_path();

}  // namespace ismooth::network
