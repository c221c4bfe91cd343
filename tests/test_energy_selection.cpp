// From words to an energy (energy_selection.hpp) and its report
// (energy_report.hpp): the rules the tool's --preset/--energy/--set and the
// Python module's keywords share.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ismooth/energy_report.hpp"
#include "ismooth/energy_selection.hpp"

using namespace ismooth;

TEST_CASE("select_energy: preset defaults, then the fixed-map rule, then overrides in order") {
  const EnergySelection detail = select_energy("detail", "adaptive", {});
  CHECK(detail.preset == Preset::detail);
  CHECK(detail.params == preset_params(Preset::detail));

  const EnergySelection l2 = select_energy("smoothing", "l2", {"sigma_r=0.2", "sigma_r=0.3"});
  CHECK(l2.pmap == PMapKind::all_l2);
  CHECK(l2.params.lambda_e == 0);   // a fixed map drops the edge term ...
  CHECK(l2.params.sigma_r == 0.3);  // ... and the last override wins
  const EnergySelection kept = select_energy("smoothing", "l08", {"lambda_e=0.25"});
  CHECK(kept.params.lambda_e == 0.25);  // an explicit lambda_e wins over the rule
}

TEST_CASE("select_energy: rules and errors name what is at fault") {
  EnergyRules rules;
  rules.defaults = [](Preset) {
    EnergyParams p;
    p.alpha = 7;
    return p;
  };
  std::vector<std::string> checked;
  rules.check_set = [&](const std::string& s) { checked.push_back(s); };
  rules.finish = [](EnergyParams& p) { p.gradient = GradientMode::clipped; };
  const EnergySelection e = select_energy("texture", "adaptive", {"c2=3"}, rules);
  CHECK(e.params.alpha == 7);
  CHECK(e.params.c2 == 3);
  CHECK(e.params.gradient == GradientMode::clipped);
  CHECK(checked == std::vector<std::string>{"c2=3"});

  CHECK_THROWS_WITH_AS(select_energy("sharpen", "adaptive", {}),
                       doctest::Contains("unknown preset 'sharpen'"), Error);
  CHECK_THROWS_AS(select_energy("smoothing", "l3", {}), Error);
  CHECK_THROWS_AS(select_energy("smoothing", "adaptive", {"colour=1"}), Error);
  CHECK_THROWS_WITH_AS(select_energy("smoothing", "adaptive", {"sigma_r=-1"}),
                       doctest::Contains("--set: sigma_r"), Error);
  // The caller's vocabulary: the Python module's keywords name no flag.
  CHECK_THROWS_WITH_AS(
      select_energy("smoothing", "adaptive", {"sigma_r=-1"}, {}, Spelling::keyword),
      doctest::Contains("energy parameters: sigma_r"), Error);
  CHECK_THROWS_WITH_AS(select_energy("smoothing", "adaptive", {"colour=1"}),
                       doctest::Contains("--set colour=1: unknown key 'colour'"), Error);
  try {
    select_energy("smoothing", "adaptive", {"alpha=x"}, {}, Spelling::keyword);
    FAIL("alpha=x was accepted");
  } catch (const Error& error) {
    CHECK(std::string(error.what()).rfind("alpha=x: 'x' is not a number", 0) == 0);
  }
  CHECK_THROWS_WITH_AS(require_mask_applies(true, Preset::detail, "mask"),
                       doctest::Contains("mask is only used by the background and foreground"),
                       Error);
  CHECK_NOTHROW(require_mask_applies(true, Preset::background, "mask"));
  CHECK_THROWS_WITH_AS(require_mask_applies(false, Preset::foreground, "--mask"),
                       doctest::Contains("preset 'foreground' needs a foreground mask (--mask)"),
                       Error);
  CHECK_NOTHROW(require_mask_applies(false, Preset::detail, "mask"));
}

TEST_CASE("energy_report: the tool's JSON keys in order; non-finite energies are errors") {
  EnergyTerms t;
  t.data = 1.5;
  t.flatten = 2.5;
  t.edge = 3.5;
  t.total = 4.5;
  t.edge_pixels = 12;
  t.l2_fraction = 0.25;
  EnergyParams p;
  const auto report = energy_report(t, p);
  std::vector<std::string> keys;
  for (const auto& [key, value] : report) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"data", "flatten", "edge", "total", "edge_pixels",
                                         "l2_fraction", "lambda_f", "lambda_e"});
  CHECK(report[4].second == 12);
  CHECK(report[7].second == p.lambda_e);
  CHECK_NOTHROW(require_finite_energy(t));
  t.flatten = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(require_finite_energy(t), doctest::Contains("the energy is not finite"),
                       Error);
}
