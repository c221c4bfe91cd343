// The shipped models (network/models, the registry in default_model.cpp):
// the default loads through the default lookup, and every shipped model's
// output on a test-split photo (scikit-image's astronaut, Lanczos-downsampled
// to 128 × 128 and stored in tests/data) matches the output stored when the
// model was committed, tests/data/astronaut_128_<file stem>_model.png. Each
// model file's sha256 is checked against its model card by the CTest tests
// `shipped_model_checksum*` (tests/check_model_checksum.cmake).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "ismooth/image_io.hpp"
#include "ismooth/network/default_model.hpp"
#include "ismooth/network/inference.hpp"

namespace {

const std::filesystem::path kData = ISMOOTH_TEST_DATA_DIR;

}  // namespace

namespace {

// `model`'s output on the astronaut against the reference `ismooth smooth
// --model NAME` wrote when the model was committed.
void check_reference_output(const std::filesystem::path& path, const std::string& reference) {
  using namespace ismooth;
  const network::Model model = network::load_model(path);
  const Image<float> input = load_image(kData / "astronaut_128.png");
  const Image<float> expected = load_image(kData / reference);
  const Image<float> output = network::smooth_with_model(model, input);
  REQUIRE(output.shape() == expected.shape());

  // The reference is the 8-bit PNG `ismooth smooth` wrote; another CPU (other
  // oneDNN kernels, other summation order) may round a few values the other
  // way, nothing more.
  double sum_diff = 0, max_diff = 0, sum_change = 0;
  for (std::size_t k = 0; k < output.size(); ++k) {
    const double d = std::abs(std::round(output.data()[k]) - expected.data()[k]);
    sum_diff += d;
    max_diff = std::max(max_diff, d);
    sum_change += std::abs(double(expected.data()[k]) - input.data()[k]);
  }
  const double mean_diff = sum_diff / double(output.size());
  const double mean_change = sum_change / double(output.size());
  MESSAGE("model ", path.string(), ": mean |ours - reference| ", mean_diff, ", max ", max_diff,
          "; the reference differs from the input by ", mean_change, " grey levels on average");
  CHECK(mean_diff <= 0.05);
  CHECK(max_diff <= 3.0);
  // The reference is a real change of the input (so the test can fail).
  CHECK(mean_change >= 1.0);
}

}  // namespace

TEST_CASE("shipped model: the default's output on a test photo matches the stored reference") {
  check_reference_output(ismooth::network::default_model_path(),
                         "astronaut_128_default_model.png");
}

TEST_CASE("shipped models: each one's output on a test photo matches its stored reference") {
  int checked = 0;
  for (const ismooth::network::ShippedModel& m : ismooth::network::shipped_models()) {
    if (!m.shipped) continue;
    const std::string stem = std::filesystem::path(m.file).stem().string();
    CAPTURE(m.name);
    check_reference_output(ismooth::network::shipped_model_path(m.name),
                           "astronaut_128_" + stem + "_model.png");
    ++checked;
  }
  CHECK(checked >= 1);
}
