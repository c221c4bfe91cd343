// classic_filters_apply NAME INPUT OUTPUT: INPUT smoothed by one of OpenCV's
// classic edge-preserving filters, written to OUTPUT (PNG), for the base
// layers of `ismooth experiment fig11`. NAME: bilateral or fgs. Built only
// where CMake finds OpenCV with ximgproc (Debian: libopencv-contrib-dev);
// OpenCV is not a dependency of ismooth, and without it fig11 reports these
// methods as not installed. Parameters (8-bit images, 0-255 colour scale):
//   bilateral: cv::bilateralFilter, d from sigma_space, sigma_color 30, sigma_space 5;
//   fgs:       ximgproc::fastGlobalSmootherFilter, lambda 400, sigma_color 10
// — moderate base layers in the range of the authors' comparisons; the
// exact values are in docs/applications.md.
#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "Usage: classic_filters_apply bilateral|fgs INPUT OUTPUT\n");
    return 2;
  }
  const std::string name = argv[1];
  const cv::Mat src = cv::imread(argv[2], cv::IMREAD_COLOR);
  if (src.empty()) {
    std::fprintf(stderr, "classic_filters_apply: cannot read %s\n", argv[2]);
    return 1;
  }
  cv::Mat dst;
  try {
    if (name == "bilateral") {
      cv::bilateralFilter(src, dst, -1, 30.0, 5.0);
    } else if (name == "fgs") {
      cv::ximgproc::fastGlobalSmootherFilter(src, src, dst, 400.0, 10.0);
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
