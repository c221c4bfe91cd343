// The paper's energy as the trainer's loss (training_loss.hpp).
#include "ismooth/network/training_loss.hpp"

#include <xtensor/xview.hpp>

#include "training/wide_pair_loop.hpp"

namespace ismooth::network {

EnergyTerms PaperLoss::evaluate(const Image<float>& t, Image<float>* dt) const {
  if (dt == nullptr) return reported_energy()->evaluate_terms(t);
  dt->resize(t.shape());
  dt->fill(0.0f);  // evaluate_terms adds its gradient
  const EnergyTerms terms = descend_.evaluate_terms(t, dt);
  return reported_ ? reported_->evaluate_terms(t) : terms;
}

std::unique_ptr<TrainingLoss> make_paper_loss(Image<float> crop, Preset preset,
                                              const EnergyParams& params, PMapKind pmap) {
  // A crop of a set with foreground masks carries F as a 4th plane
  // (ImageSet::crop); the network sees the RGB planes only.
  PresetInputs inputs;
  if (crop.shape(0) == kChannels + 1) {
    Mask f(typename Mask::shape_type{crop.shape(1), crop.shape(2)});
    const std::size_t n = f.size();
    for (std::size_t k = 0; k < n; ++k) f.data()[k] = crop.data()[kChannels * n + k] > 0.5f ? 1 : 0;
    if (preset_needs_foreground(preset)) inputs.foreground = std::move(f);
    crop = Image<float>(xt::view(crop, xt::range(0, kChannels), xt::all(), xt::all()));
  }
  require(!preset_needs_foreground(preset) || inputs.foreground.has_value(), "preset '",
          preset_name(preset),
          "' needs a foreground mask per training photo (ImageSet::set_foreground, "
          "foreground_masks.hpp)");
  Guidance<float> g = preset_guidance(crop, preset, inputs);
  // Colour weights computed where the pair loop needs them, not cached: a
  // training crop's energy is evaluated once, and the cache (44 MB per crop
  // at 224², kept by every validation crop) costs a pass of exponentials to
  // build while reading it back from memory was measured no faster than
  // recomputing (docs/energy.md). Same results either way.
  // And the pair loop in 16 lanes where the CPU has AVX-512 (the energy is
  // the step's largest cost beside the network; wide_pair_loop.hpp).
  const SmoothingEnergy<float>::Options streamed{.colour_cache_bytes = 0,
                                                 .pair_loop = detail::wide_pair_loop()};
  if (params.epsilon == 0)
    return std::make_unique<PaperLoss>(SmoothingEnergy<float>(
        std::move(crop), std::move(g.guidance), std::move(g.edges), params, PMap{pmap}, streamed));
  // Both energies share G and B of the crop; only ρ's smoothing differs.
  EnergyParams exact = params;
  exact.epsilon = 0;
  SmoothingEnergy<float> descend(crop, g.guidance, g.edges, params, PMap{pmap}, streamed);
  return std::make_unique<PaperLoss>(
      std::move(descend), SmoothingEnergy<float>(std::move(crop), std::move(g.guidance),
                                                 std::move(g.edges), exact, PMap{pmap}, streamed));
}

LossFactory paper_loss_factory(Preset preset, const EnergyParams& params, PMapKind pmap) {
  return [preset, params, pmap](Image<float> crop) {
    return make_paper_loss(std::move(crop), preset, params, pmap);
  };
}

}  // namespace ismooth::network
