#pragma once
/// \file
/// Umbrella header: the whole header-only core of ismooth.

#include "ismooth/colour.hpp"
#include "ismooth/data_term.hpp"
#include "ismooth/edge_response.hpp"
#include "ismooth/edge_term.hpp"
#include "ismooth/energy_params.hpp"
#include "ismooth/error.hpp"
#include "ismooth/flattening_term.hpp"
#include "ismooth/image.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/l2_mask.hpp"
#include "ismooth/objective.hpp"
#include "ismooth/presets.hpp"
#include "ismooth/smoothing_energy.hpp"
#include "ismooth/structure_edges.hpp"
#include "ismooth/texture_map.hpp"
