// The optional OpenCV helper (opencv_helper.hpp).
#include "drivers/opencv_helper.hpp"

#include <cstdlib>

#include "ismooth/error.hpp"
#include "ismooth/image_io.hpp"

namespace ismooth::experiments {

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
  require(!helper.empty(), "the OpenCV helper classic_filters_apply is not installed");
  const fs::path in = scratch.string() + ".input.png", out = scratch.string() + ".out.png";
  save_image(input, in);
  const std::string cmd =
      "'" + helper.string() + "' " + name + " '" + in.string() + "' '" + out.string() + "'";
  const int rc = std::system(cmd.c_str());
  fs::remove(in);
  require(rc == 0 && fs::exists(out), "classic_filters_apply ", name, " failed (", cmd, ")");
  Image<float> result = load_image(out);
  fs::remove(out);
  return result;
}

Mask spectral_residual_mask(const fs::path& helper, const Image<float>& input,
                            const fs::path& scratch) {
  const Image<float> grey = run_opencv_helper(helper, "spectral-saliency", input, scratch);
  Mask mask(Mask::shape_type{height(grey), width(grey)});
  for (std::size_t k = 0; k < mask.size(); ++k) mask.data()[k] = grey.data()[k] > 127.5f ? 1 : 0;
  return mask;
}

}  // namespace ismooth::experiments
