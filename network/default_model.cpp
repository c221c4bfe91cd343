// The shipped model's location (default_model.hpp).
#include "ismooth/network/default_model.hpp"

#include <cstdlib>
#include <sstream>
#include <system_error>

#include "ismooth/error.hpp"

#ifndef ISMOOTH_INSTALL_DATADIR
#error "ISMOOTH_INSTALL_DATADIR must be defined by the build (network/CMakeLists.txt)"
#endif
#ifndef ISMOOTH_SOURCE_MODEL
#error "ISMOOTH_SOURCE_MODEL must be defined by the build (network/CMakeLists.txt)"
#endif

namespace ismooth::network {

namespace fs = std::filesystem;

std::vector<fs::path> default_model_candidates() {
  std::vector<fs::path> places;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.has_parent_path())
    places.push_back((exe.parent_path() / ".." / ISMOOTH_INSTALL_DATADIR / "ismooth" / "models" /
                      "default.model")
                         .lexically_normal());
  places.emplace_back(ISMOOTH_SOURCE_MODEL);
  return places;
}

fs::path default_model_path() {
  if (const char* env = std::getenv(kDefaultModelVariable); env != nullptr && *env != '\0') {
    std::error_code ec;
    require(fs::is_regular_file(env, ec), kDefaultModelVariable, "=", env,
            " does not name a model file (unset it to use the shipped model)");
    return env;
  }
  const std::vector<fs::path> places = default_model_candidates();
  for (const fs::path& p : places) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  std::ostringstream where;
  where << kDefaultModelVariable << " (not set)";
  for (const fs::path& p : places) where << ", " << p.string();
  fail("no default model found; searched ", where.str(), ". Pass --model FILE or set ",
       kDefaultModelVariable);
}

}  // namespace ismooth::network
