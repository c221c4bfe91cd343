// The parameter container: layout for a configuration, lookup,
// initialisation (the authors' U(−s, s) and He) and the layout checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "ismooth/network/parameters.hpp"
#include "network_test_support.hpp"

using namespace ismooth::network;

TEST_CASE("parameters: layout, lookup, initialisation and checks") {
  const NetworkConfig tiny = NetworkConfig::tiny(8, {2, 4});
  Parameters p = initial_parameters(tiny, InitScheme::uniform_code, 7);
  CHECK(p.size() == 10 * 2 + 9 * 2);  // weight+bias per layer, γ+β per BN
  CHECK(p.at("conv8.weight").shape == std::vector<std::int64_t>{8, 8, 4, 4});
  CHECK(p.at("conv10.weight").shape == std::vector<std::int64_t>{3, 8, 1, 1});
  CHECK(p.find("bn10.weight") == nullptr);
  CHECK_THROWS_AS(p.at("nope"), ismooth::Error);
  // U(−s, s), s = sqrt(12 / ((Cin + Cout)·k²)); biases 0; γ = 1, β = 0.
  const double s = std::sqrt(12.0 / ((8 + 8) * 9.0));
  const auto& w = p.at("conv2.weight").values;
  CHECK(*std::max_element(w.begin(), w.end()) <= s);
  CHECK(*std::min_element(w.begin(), w.end()) >= -s);
  CHECK(*std::max_element(w.begin(), w.end()) > 0.8 * s);
  CHECK(p.at("bn2.weight").values == std::vector<float>(8, 1.0f));
  CHECK(p.at("conv2.bias").values == std::vector<float>(8, 0.0f));
  CHECK(p == initial_parameters(tiny, InitScheme::uniform_code, 7));
  CHECK(!(p == initial_parameters(tiny, InitScheme::uniform_code, 8)));
  const Parameters he = initial_parameters(tiny, InitScheme::he, 7);
  CHECK(he.same_layout(p));

  Parameters wrong = p;
  wrong.at("conv3.weight").values[5] = NAN;
  CHECK_THROWS_WITH_AS(check_parameters(tiny, wrong, "t"), doctest::Contains("not finite"),
                       ismooth::Error);
  for (float bad : {INFINITY, -INFINITY}) {
    Parameters infinite = p;
    infinite.at("bn1.bias").values.back() = bad;
    CHECK_THROWS_WITH_AS(check_parameters(tiny, infinite, "t"),
                         doctest::Contains("'bn1.bias' value 7 is not finite"), ismooth::Error);
  }
  Parameters huge = p;  // large and denormal values are finite
  huge.at("conv3.weight").values[0] = 3.4e38f;
  huge.at("conv3.weight").values[1] = 1e-42f;
  CHECK_NOTHROW(check_parameters(tiny, huge, "t"));
  CHECK_THROWS_WITH_AS(check_parameters(NetworkConfig::tiny(8, {2}), p, "t"),
                       doctest::Contains("expects"), ismooth::Error);
  CHECK_THROWS_WITH_AS(check_parameters(NetworkConfig::tiny(16, {2, 4}), p, "t"),
                       doctest::Contains("conv1.weight"), ismooth::Error);
}

