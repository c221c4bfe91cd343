// ismooth::smooth and ismooth::Smoother (smooth.hpp): the one-call face of
// the network library gives the stored reference output of the shipped
// model (as test_shipped_model.cpp, same tolerance), the same pixels as the
// object form and as `ismooth smooth`, and refuses bad options.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "ismooth/image_io.hpp"
#include "ismooth/network/default_model.hpp"
#include "ismooth/smooth.hpp"

namespace {

using namespace ismooth;
const std::filesystem::path kData = ISMOOTH_TEST_DATA_DIR;

/// Mean and max |round(a) − b| over all values (b: an 8-bit image).
std::pair<double, double> rounded_difference(const Image<float>& a, const Image<float>& b) {
  double sum = 0, max = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double d = std::abs(std::round(a.data()[k]) - b.data()[k]);
    sum += d;
    max = std::max(max, d);
  }
  return {sum / double(a.size()), max};
}

TEST_CASE("smooth(image) with the defaults gives the shipped model's stored reference") {
  const Image<float> input = load_image(kData / "astronaut_128.png");
  const Image<float> expected = load_image(kData / "astronaut_128_default_model.png");
  const Image<float> output = smooth(input);
  REQUIRE(output.shape() == expected.shape());
  // The tolerance of test_shipped_model.cpp: another CPU may round a few
  // values the other way, nothing more.
  const auto [mean_diff, max_diff] = rounded_difference(output, expected);
  MESSAGE("mean |smooth - reference| ", mean_diff, ", max ", max_diff);
  CHECK(mean_diff <= 0.05);
  CHECK(max_diff <= 3.0);
  // Post-processed output is clamped to the 0–255 scale.
  const auto [lowest, highest] = std::minmax_element(output.begin(), output.end());
  CHECK(*lowest >= 0.f);
  CHECK(*highest <= 255.f);
}

TEST_CASE("Smoother: the object form gives smooth()'s pixels, tiled or whole") {
  const Image<float> input = load_image(kData / "astronaut_128.png");
  SmoothOptions options;
  options.model = network::default_model_path();
  Smoother smoother(options);
  CHECK(smoother.model_path() == options.model);
  CHECK(smoother.model().config.width > 0);
  network::InferenceReport report;
  const Image<float> whole = smoother(input, &report);
  CHECK_FALSE(report.tiled);
  CHECK(whole == smooth(input));
  // Forced tiles give the whole-image result up to float summation order.
  options.inference.tile = 48;
  Smoother tiled(options);
  const Image<float> by_tiles = tiled(input, &report);
  CHECK(report.tiled);
  double max_diff = 0;
  for (std::size_t k = 0; k < whole.size(); ++k)
    max_diff = std::max(max_diff, double(std::abs(by_tiles.data()[k] - whole.data()[k])));
  CHECK(max_diff <= 1e-3);  // grey levels, as test_tiled_inference.cpp
  // Without post-processing the raw network output T255 comes back.
  options.inference = {};
  options.inference.postprocess = false;
  const Image<float> raw = smooth(input, options);
  CHECK(raw != whole);
}

TEST_CASE("smooth refuses a missing model and bad options with a message") {
  const Image<float> input = make_image<float>(8, 8, 100.f);
  SmoothOptions missing;
  missing.model = "/nowhere/no.model";
  CHECK_THROWS_WITH_AS(smooth(input, missing), doctest::Contains("/nowhere/no.model"), Error);
  SmoothOptions bad;
  bad.inference.tile = -1;
  std::string why;
  CHECK_FALSE(bad.IsValid(&why));
  CHECK(why.find("tile") != std::string::npos);
  CHECK_THROWS_AS(smooth(input, bad), Error);
}

#ifdef ISMOOTH_TOOL
TEST_CASE("smooth(image) writes what `ismooth smooth` writes, byte for byte") {
  const std::filesystem::path tool = ISMOOTH_TOOL;
  if (!std::filesystem::exists(tool)) {
    MESSAGE("skipped: the ismooth tool is not built (", tool.string(), ")");
    return;
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ismooth-smooth-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path cli = dir / "cli.png", library = dir / "library.png";
  const std::string command = "'" + tool.string() + "' smooth '" +
                              (kData / "astronaut_128.png").string() + "' '" + cli.string() +
                              "' --model '" + network::default_model_path().string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  save_image(smooth(load_image(kData / "astronaut_128.png")), library);
  const Image<float> from_cli = load_image(cli), from_library = load_image(library);
  CHECK(from_cli == from_library);
  std::filesystem::remove_all(dir);
}
#endif

}  // namespace
