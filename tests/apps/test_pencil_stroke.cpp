// Pencil strokes (apps/pencil_stroke.hpp): line kernels, the direction of a
// line, the stroke map of a line.
#include <doctest/doctest.h>

#include "ismooth/apps/pencil_stroke.hpp"

using namespace ismooth;
using namespace ismooth::apps;

namespace {
// A 41×41 plane with a one-pixel line through the centre at `degrees`
// (0, 45 or 90; 45 = bottom-left to top-right as displayed).
Plane<float> line_image(int degrees) {
  Plane<float> g = Plane<float>::from_shape({41, 41});
  g.fill(0);
  for (int t = -15; t <= 15; ++t) {
    const int y = 20 - (degrees == 0 ? 0 : t), x = 20 + (degrees == 90 ? 0 : t);
    g(y, x) = 1;
  }
  return g;
}
}  // namespace

TEST_CASE("pencil stroke: line kernels are lines through the centre") {
  const Plane<float> k0 = line_kernel(8, 0, 0);
  CHECK(height(k0) == 17);
  for (int c = 0; c < 17; ++c) CHECK(k0(8, c) == 1.f);
  CHECK(xt::sum(k0)() == doctest::Approx(17));
  const Plane<float> k90 = line_kernel(8, 0, 90);
  for (int r = 0; r < 17; ++r) CHECK(k90(r, 8) == doctest::Approx(1.f));
  const Plane<float> k45 = line_kernel(8, 0, 45);
  CHECK(k45(4, 12) == doctest::Approx(1.f));  // up-right of the centre
  CHECK(k45(12, 4) == doctest::Approx(1.f));
  CHECK(k45(4, 4) == doctest::Approx(0.f));   // not up-left
  CHECK(xt::sum(line_kernel(8, 1, 0))() == doctest::Approx(51));  // width 1: three rows
}

TEST_CASE("pencil stroke: the pixels of a line are classified to its direction") {
  const StrokeParams p;  // 8 directions: 0°, 22.5°, ..., 157.5°
  for (auto [degrees, expected] : {std::pair{0, 0}, std::pair{45, 2}, std::pair{90, 4}}) {
    const auto index = classify_directions(line_image(degrees), p);
    INFO("line at " << degrees << " degrees");
    for (int t = -10; t <= 10; ++t) {
      const int y = 20 - (degrees == 0 ? 0 : t), x = 20 + (degrees == 90 ? 0 : t);
      CHECK(int(index(y, x)) == expected);
    }
  }
}

TEST_CASE("pencil stroke: the stroke map draws dark lines along edges, white elsewhere") {
  Plane<float> grey = Plane<float>::from_shape({32, 32});
  for (std::size_t y = 0; y < 32; ++y)
    for (std::size_t x = 0; x < 32; ++x) grey(y, x) = x < 16 ? 0.2f : 0.8f;
  const Plane<float> s = stroke_map(grey);
  CHECK(s(16, 15) == doctest::Approx(0.f).epsilon(1e-5));  // darkest at the edge (normalised)
  CHECK(s(16, 2) == doctest::Approx(1.f));                  // paper white far away
  CHECK(s(16, 28) == doctest::Approx(1.f));
  for (float v : s) CHECK((v >= 0.f && v <= 1.f));
}
