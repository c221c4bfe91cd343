#pragma once
// The optional OpenCV helper of the application drivers: the program
// classic_filters_apply (built beside the tool where CMake finds OpenCV with
// ximgproc) runs one of OpenCV's classic filters, or its spectral-residual
// saliency, on one image through PNG files. OpenCV is not a dependency of
// ismooth: where the helper is absent the drivers report those methods as
// "not installed".

#include <filesystem>
#include <optional>
#include <string>

#include "ismooth/image.hpp"

namespace ismooth::experiments {

namespace fs = std::filesystem;

/// The filters the helper runs (bilateral, fgs, rgf, btf); its parameters
/// are in classic_filters_apply.cpp and docs/applications.md.
bool is_opencv_filter(const std::string& name);

/// classic_filters_apply beside the running executable, or an empty path.
fs::path find_opencv_helper();

/// `input` through the helper's NAME (a filter, or spectral-saliency: a 0/255
/// mask as a grey image), by way of the files SCRATCH.input.png and
/// SCRATCH.out.png (removed after). Throws ismooth::Error if the helper fails.
Image<float> run_opencv_helper(const fs::path& helper, const std::string& name,
                               const Image<float>& input, const fs::path& scratch);

/// OpenCV's spectral-residual saliency mask of `input` (Hou and Zhang 2007,
/// binarised by OpenCV's computeBinaryMap), through the helper as above;
/// nullopt where the helper is absent or was built without OpenCV's
/// saliency module (its exit status 3).
std::optional<Mask> spectral_residual_mask(const fs::path& helper, const Image<float>& input,
                                           const fs::path& scratch);

}  // namespace ismooth::experiments
