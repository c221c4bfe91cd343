// classic_filters_timing IMAGE REPEATS: median seconds of OpenCV's classic
// edge-preserving filters on IMAGE (8-bit BGR), one line "name seconds" each,
// for `ismooth experiment table1`. Built only where CMake finds OpenCV with
// ximgproc (Debian: libopencv-contrib-dev); OpenCV is not a dependency of
// ismooth. Parameters: OpenCV's documented defaults or the values its
// samples use; the table compares running times, not results.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc.hpp>
#include <string>
#include <vector>

namespace {

double median_seconds(const std::function<void()>& run, int repeats) {
  run();  // warm-up
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "Usage: classic_filters_timing IMAGE REPEATS\n");
    return 2;
  }
  const cv::Mat src = cv::imread(argv[1], cv::IMREAD_COLOR);
  if (src.empty()) {
    std::fprintf(stderr, "classic_filters_timing: cannot read %s\n", argv[1]);
    return 1;
  }
  const int repeats = std::max(1, std::atoi(argv[2]));
  cv::Mat dst;
  namespace x = cv::ximgproc;
  const std::vector<std::pair<std::string, std::function<void()>>> filters = {
      {"L0", [&] { x::l0Smooth(src, dst, 0.02, 2.0); }},
      {"FGS", [&] { x::fastGlobalSmootherFilter(src, src, dst, 100.0, 10.0); }},
      {"RGF", [&] { x::rollingGuidanceFilter(src, dst, -1, 25.0, 3.0, 4); }},
      {"BTLF", [&] { x::bilateralTextureFilter(src, dst, 3, 1); }},
      {"guided", [&] { x::guidedFilter(src, src, dst, 8, 0.02 * 255 * 255); }},
      {"bilateral", [&] { cv::bilateralFilter(src, dst, 9, 50.0, 5.0); }},
  };
  std::printf("threads %d\n", cv::getNumThreads());
  for (const auto& [name, run] : filters) {
    try {
      std::printf("%s %.9g\n", name.c_str(), median_seconds(run, repeats));
    } catch (const cv::Exception& e) {
      std::printf("%s error\n", name.c_str());
    }
    std::fflush(stdout);
  }
  return 0;
}
