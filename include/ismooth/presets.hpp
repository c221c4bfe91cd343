#pragma once
/// \file
/// The application presets of the authors' training runs (docs/spec/energy.md §6): each
/// fixes the window, α, the mask rule and dilation, and how the guidance G and
/// the edge map B are derived from the input I (and a foreground mask F).
///
/// | preset     | h  | α  | mask rule     | dilation | guidance G          | B          |
/// |------------|----|----|---------------|----------|---------------------|------------|
/// | smoothing  | 21 | 5  | c1=20, c2=10  | 7×7      | E(I)                | structure  |
/// | detail     | 21 | 15 | c1=∞, c2=0    | no       | E(I)                | structure  |
/// | texture    | 5  | 20 | c1=20, c2=10  | no       | E(I), 0 on texture  | none (0)   |
/// | background | 5  | 5  | c1=20, c2=10  | no       | E(I)·F              | B·F        |
/// | foreground | 3  | 5  | c1=20, c2=10  | no       | E(I)·(1−F)          | B·(1−F)    |
///
/// A caller-supplied B (`PresetInputs::edges`, the CLI's `--edges`) replaces
/// the *detected* structure edges; the preset's masking by F still applies.
/// For `texture`, whose B is empty, a supplied B is used as given.

#include <optional>
#include <string>
#include <string_view>

#include "ismooth/smoothing_energy.hpp"
#include "ismooth/structure_edges.hpp"
#include "ismooth/texture_map.hpp"

namespace ismooth {

enum class Preset { smoothing, detail, texture, background, foreground };

inline Preset parse_preset(std::string_view name) {
  if (name == "smoothing") return Preset::smoothing;
  if (name == "detail") return Preset::detail;
  if (name == "texture") return Preset::texture;
  if (name == "background") return Preset::background;
  if (name == "foreground") return Preset::foreground;
  fail("unknown preset '", name,
       "' (expected smoothing, detail, texture, background or foreground)");
}

inline std::string_view preset_name(Preset preset) {
  switch (preset) {
    case Preset::smoothing:
      return "smoothing";
    case Preset::detail:
      return "detail";
    case Preset::texture:
      return "texture";
    case Preset::background:
      return "background";
    case Preset::foreground:
      return "foreground";
  }
  return "?";
}

/// Whether the preset needs a foreground mask F.
inline bool preset_needs_foreground(Preset preset) {
  return preset == Preset::background || preset == Preset::foreground;
}

/// The paper's defaults with the preset's window, α, mask rule and dilation.
inline EnergyParams preset_params(Preset preset) {
  EnergyParams p;
  switch (preset) {
    case Preset::smoothing:
      break;
    case Preset::detail:
      p.alpha = 15;
      p.c1 = std::numeric_limits<double>::infinity();
      p.c2 = 0;
      p.dilate = false;
      break;
    case Preset::texture:
      p.radius = 2;
      p.alpha = 20;
      p.dilate = false;
      break;
    case Preset::background:
      p.radius = 2;
      p.dilate = false;
      break;
    case Preset::foreground:
      p.radius = 1;
      p.dilate = false;
      break;
  }
  return p;
}

/// What a preset may take besides the image.
struct PresetInputs {
  std::optional<Mask> edges;       ///< replaces the detected structure edges
  std::optional<Mask> foreground;  ///< F (0/1), required by background/foreground
};

/// The guidance G and edge map B a preset derives from I.
template <class Scalar>
struct Guidance {
  Plane<Scalar> guidance;
  Mask edges;
};

template <class Scalar>
Guidance<Scalar> preset_guidance(const Image<Scalar>& input, Preset preset,
                                 const PresetInputs& inputs = {}) {
  check_image(input, "preset_guidance: input");
  Plane<Scalar> e = edge_response(input);
  if (inputs.edges) check_same_size(*inputs.edges, "edge map B", input, "input");
  auto detected = [&] { return inputs.edges ? *inputs.edges : structure_edges(e); };
  Guidance<Scalar> out;
  switch (preset) {
    case Preset::smoothing:
    case Preset::detail:
      out.edges = detected();
      out.guidance = std::move(e);
      break;
    case Preset::texture: {
      out.edges = inputs.edges ? *inputs.edges : Mask(xt::zeros<std::uint8_t>(e.shape()));
      const Mask texture = texture_map(input, e);
      out.guidance = zero_texture_guidance(std::move(e), texture);
      break;
    }
    case Preset::background:
    case Preset::foreground: {
      require(inputs.foreground.has_value(), "preset '", preset_name(preset),
              "' needs a foreground mask (PresetInputs::foreground)");
      const Mask& f = *inputs.foreground;
      check_same_size(f, "foreground mask", input, "input");
      const bool keep_foreground = preset == Preset::background;
      out.edges = detected();
      for (std::size_t k = 0; k < f.size(); ++k) {
        const bool keep = (f.data()[k] != 0) == keep_foreground;
        if (!keep) {
          out.edges.data()[k] = 0;
          e.data()[k] = 0;
        }
      }
      out.guidance = std::move(e);
      break;
    }
  }
  return out;
}

/// The energy of a preset on image I. `params` normally starts from
/// preset_params(preset) with the caller's overrides applied.
template <class Scalar>
SmoothingEnergy<Scalar> make_energy(Image<Scalar> input, Preset preset, const EnergyParams& params,
                                    const PresetInputs& inputs = {}, PMap pmap = {},
                                    typename SmoothingEnergy<Scalar>::Options options = {}) {
  Guidance<Scalar> g = preset_guidance(input, preset, inputs);
  return SmoothingEnergy<Scalar>(std::move(input), std::move(g.guidance), std::move(g.edges),
                                 params, std::move(pmap), options);
}

}  // namespace ismooth
