// The optional OpenCV helper (opencv_helper.hpp).
#include "drivers/opencv_helper.hpp"

#include <sys/wait.h>

#include <cstdlib>

#include "ismooth/error.hpp"
#include "ismooth/image_io.hpp"

namespace ismooth::experiments {

namespace {

/// The helper's exit status for NAME on `input`, its output in `out` when 0.
int run_helper(const fs::path& helper, const std::string& name, const Image<float>& input,
               const fs::path& scratch, Image<float>& out) {
  require(!helper.empty(), "the OpenCV helper classic_filters_apply is not installed");
  const fs::path in = scratch.string() + ".input.png", result = scratch.string() + ".out.png";
  save_image(input, in);
  const std::string cmd =
      "'" + helper.string() + "' " + name + " '" + in.string() + "' '" + result.string() + "'";
  const int status = std::system(cmd.c_str());
  fs::remove(in);
  const int rc = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (rc == 0) {
    require(fs::exists(result), "classic_filters_apply ", name, " wrote no output (", cmd, ")");
    out = load_image(result);
    fs::remove(result);
  }
  return rc;
}

}  // namespace

bool is_opencv_filter(const std::string& name) {
  return name == "bilateral" || name == "fgs" || name == "rgf" || name == "btf";
}

fs::path find_opencv_helper() {
  std::error_code ec;
  const fs::path helper =
      fs::read_symlink("/proc/self/exe", ec).parent_path() / "classic_filters_apply";
  return !ec && fs::exists(helper) ? helper : fs::path();
}

Image<float> run_opencv_helper(const fs::path& helper, const std::string& name,
                               const Image<float>& input, const fs::path& scratch) {
  Image<float> out;
  const int rc = run_helper(helper, name, input, scratch, out);
  require(rc == 0, "classic_filters_apply ", name, " failed (exit status ", rc, ")");
  return out;
}

std::optional<Mask> spectral_residual_mask(const fs::path& helper, const Image<float>& input,
                                           const fs::path& scratch) {
  if (helper.empty()) return std::nullopt;
  Image<float> grey;
  const int rc = run_helper(helper, "spectral-saliency", input, scratch, grey);
  if (rc == 3) return std::nullopt;  // built without OpenCV's saliency module
  require(rc == 0, "classic_filters_apply spectral-saliency failed (exit status ", rc, ")");
  Mask mask(Mask::shape_type{height(grey), width(grey)});
  for (std::size_t k = 0; k < mask.size(); ++k) mask.data()[k] = grey.data()[k] > 127.5f ? 1 : 0;
  return mask;
}

}  // namespace ismooth::experiments
