// The pipelines (apps/abstraction.hpp, apps/pencil.hpp) on a synthetic
// picture: deterministic, in range, the structure they promise.
#include <doctest/doctest.h>

#include "ismooth/apps/abstraction.hpp"
#include "ismooth/apps/pencil.hpp"

using namespace ismooth;
using namespace ismooth::apps;

namespace {
Image<float> disc() {
  Image<float> img = make_image<float>(40, 48);
  for (std::size_t y = 0; y < 40; ++y)
    for (std::size_t x = 0; x < 48; ++x) {
      const bool in = (double(y) - 20) * (double(y) - 20) + (double(x) - 24) * (double(x) - 24) < 144;
      img(0, y, x) = in ? 200.f : 40.f + float(x);
      img(1, y, x) = in ? 120.f : 90.f;
      img(2, y, x) = in ? 60.f : 160.f;
    }
  return img;
}
}  // namespace

TEST_CASE("abstraction: few lightness levels, a dark outline, colours kept") {
  const Image<float> out = abstraction(disc());
  const Image<float> lab = rgb_to_lab(out);
  // Inside the disc, away from its rim: the lightness of a bin centre.
  const double l = lab(0, 20, 24);
  const double dq = 12.5;
  CHECK(std::abs(l - (std::floor(l / dq) + 0.5) * dq) < 0.3);
  // The rim (dark side of the edge: outside, left of the disc at row 20) is darker.
  CHECK(lab(0, 20, 11) < lab(0, 20, 4) - 10);
  for (float v : out) CHECK((v >= 0.f && v <= 255.f));
}

TEST_CASE("pencil: deterministic, in range, white paper away from edges") {
  PencilParams p;
  const Image<float> a = pencil(disc(), p), b = pencil(disc(), p);
  CHECK(a == b);
  for (float v : a) CHECK((v >= 0.f && v <= 255.f));
  CHECK(a(0, 20, 11) < a(0, 2, 2));  // a stroke along the rim
  p.texture = true;
  p.seed = 3;
  const Image<float> t1 = pencil(disc(), p), t2 = pencil(disc(), p);
  CHECK(t1 == t2);
  p.seed = 4;
  CHECK(pencil(disc(), p) != t1);
  const Image<float> c = pencil(disc(), PencilParams{}, true);
  // The colour version keeps the smoothed image's hue: red stays above blue in the disc.
  CHECK(c(0, 20, 24) > c(2, 20, 24));
}
