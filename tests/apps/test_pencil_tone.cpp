// Pencil tone (apps/pencil_tone.hpp): the distribution's layers and masses;
// a histogram matched to it within a stated tolerance.
#include <doctest/doctest.h>

#include <numeric>

#include "ismooth/apps/pencil_tone.hpp"

using namespace ismooth;
using namespace ismooth::apps;

TEST_CASE("pencil tone: the distribution sums to 1 with the layers' masses 76:22:2") {
  const auto p = tone_distribution();
  CHECK(std::accumulate(p.begin(), p.end(), 0.0) == doctest::Approx(1.0).epsilon(1e-12));
  // Only the mild layer lives in (125, 200) away from the others' tails:
  // 0.22 / 121 levels each (plus a negligible bright tail).
  CHECK(p[160] == doctest::Approx(0.22 / 121).epsilon(1e-3));
  CHECK(p[255] > p[254]);                   // the bright layer peaks at white
  CHECK(p[40] < 1e-6);                      // nothing far below the dark layer
  const ToneParams only_dark{0, 0, 1};
  const auto d = tone_distribution(only_dark);
  CHECK(std::max_element(d.begin(), d.end()) - d.begin() == 90);
}

TEST_CASE("pencil tone: a matched histogram follows the target CDF within 0.005") {
  // 256×64 pixels, every grey level 64 times: the input CDF steps by 1/256,
  // so matching can miss the target CDF by at most one input level's mass
  // (1/256 ≈ 0.0039): the stated tolerance is 0.005.
  Plane<float> grey = Plane<float>::from_shape({64, 256});
  for (std::size_t y = 0; y < 64; ++y)
    for (std::size_t x = 0; x < 256; ++x) grey(y, x) = float((x * 37 + y * 11) % 256);
  const Plane<float> j = tone_map(grey);
  const auto target = tone_distribution();
  std::array<double, 256> hist{};
  for (float v : j) hist[std::size_t(v)] += 1.0 / double(j.size());
  double ct = 0, co = 0, worst = 0;
  for (int v = 0; v < 256; ++v) {
    ct += target[v];
    co += hist[v];
    worst = std::max(worst, std::abs(ct - co));
  }
  CHECK(worst < 0.005);
  // and the mean tone is the target's (within a grey level)
  double mt = 0, mo = 0;
  for (int v = 0; v < 256; ++v) mt += v * target[v], mo += v * hist[v];
  CHECK(mo == doctest::Approx(mt).epsilon(0.01));
}

TEST_CASE("pencil tone: matching is monotone in the input") {
  Plane<float> ramp = Plane<float>::from_shape({1, 256});
  for (int x = 0; x < 256; ++x) ramp(0, x) = float(x);
  const Plane<float> j = tone_map(ramp);
  for (int x = 1; x < 256; ++x) CHECK(j(0, x) >= j(0, x - 1));
}
