// classic_filters_apply NAME INPUT OUTPUT: INPUT through one of OpenCV's
// classic filters, written to OUTPUT (PNG), for the application drivers
// (`ismooth experiment fig11, fig12, fig13`; drivers/opencv_helper.hpp).
// Built only where CMake finds OpenCV with ximgproc (Debian:
// libopencv-contrib-dev); OpenCV is not a dependency of ismooth, and without
// it the drivers report these methods as not installed. NAME and its
// parameters (8-bit images, 0-255 colour scale; docs/applications.md):
//   bilateral: cv::bilateralFilter, d from sigma_space, sigma_color 30, sigma_space 5;
//   fgs:       ximgproc::fastGlobalSmootherFilter, lambda 400, sigma_color 10
//              (moderate base layers in the range of the authors' comparisons);
//   rgf:       ximgproc::rollingGuidanceFilter, sigma_color 25, sigma_space 3,
//              4 iterations (OpenCV's defaults, the values Zhang et al. 2014 publish);
//   btf:       ximgproc::bilateralTextureFilter, radius 3, 1 iteration, sigma_alpha and
//              sigma_avg automatic (OpenCV's defaults after Cho et al. 2014);
//   spectral-saliency: saliency::StaticSaliencySpectralResidual (Hou and Zhang
//              2007) then its own computeBinaryMap; OUTPUT is the binary mask
//              (255 = salient). Needs OpenCV's saliency module (CMake defines
//              ISMOOTH_HAVE_OPENCV_SALIENCY; exit 3 without).
#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>
#include <string>
#ifdef ISMOOTH_HAVE_OPENCV_SALIENCY
#include <opencv2/saliency.hpp>
#endif

namespace {

/// The binary spectral-residual mask of `src` (0/255), or an empty Mat
/// where OpenCV's saliency module is absent.
cv::Mat spectral_saliency_mask(const cv::Mat& src) {
#ifdef ISMOOTH_HAVE_OPENCV_SALIENCY
  auto detector = cv::saliency::StaticSaliencySpectralResidual::create();
  cv::Mat map, binary;
  if (!detector->computeSaliency(src, map) || !detector->computeBinaryMap(map, binary))
    throw cv::Exception(cv::Error::StsError, "spectral residual saliency failed", __func__,
                        __FILE__, __LINE__);
  binary.convertTo(binary, CV_8U);
  return binary;
#else
  (void)src;
  return {};
#endif
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr,
                 "Usage: classic_filters_apply bilateral|fgs|rgf|btf|spectral-saliency INPUT "
                 "OUTPUT\n");
    return 2;
  }
  const std::string name = argv[1];
  const cv::Mat src = cv::imread(argv[2], cv::IMREAD_COLOR);
  if (src.empty()) {
    std::fprintf(stderr, "classic_filters_apply: cannot read %s\n", argv[2]);
    return 1;
  }
  cv::Mat dst;
  namespace x = cv::ximgproc;
  try {
    if (name == "bilateral") {
      cv::bilateralFilter(src, dst, -1, 30.0, 5.0);
    } else if (name == "fgs") {
      x::fastGlobalSmootherFilter(src, src, dst, 400.0, 10.0);
    } else if (name == "rgf") {
      x::rollingGuidanceFilter(src, dst, -1, 25.0, 3.0, 4);
    } else if (name == "btf") {
      x::bilateralTextureFilter(src, dst, 3, 1, -1.0, -1.0);
    } else if (name == "spectral-saliency") {
      dst = spectral_saliency_mask(src);
      if (dst.empty()) {
        std::fprintf(stderr, "classic_filters_apply: built without OpenCV's saliency module\n");
        return 3;
      }
    } else {
      std::fprintf(stderr, "classic_filters_apply: unknown filter %s\n", name.c_str());
      return 2;
    }
    if (!cv::imwrite(argv[3], dst)) {
      std::fprintf(stderr, "classic_filters_apply: cannot write %s\n", argv[3]);
      return 1;
    }
  } catch (const cv::Exception& e) {
    std::fprintf(stderr, "classic_filters_apply: %s\n", e.what());
    return 1;
  }
  return 0;
}
