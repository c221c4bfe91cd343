#pragma once
/// \file
/// The network's weights as an ordered list of named fp32 tensors (names and
/// layouts in network_description.hpp). The same container holds gradients
/// and optimiser moments, so an optimiser walks three of them in step.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ismooth/error.hpp"
#include "ismooth/network/network_config.hpp"

namespace ismooth::network {

/// One tensor: row-major values of the given shape.
struct NamedTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> values;

  std::size_t size() const { return values.size(); }
  float* data() { return values.data(); }
  const float* data() const { return values.data(); }

  bool operator==(const NamedTensor&) const = default;
};

/// Tensors in a fixed order (the layer order of describe_layers), looked up
/// by name. Copyable; no hidden state.
class Parameters {
 public:
  /// Appends a tensor of `shape` filled with `fill`. Throws ismooth::Error if
  /// the name exists or a dimension is not positive.
  NamedTensor& add(std::string name, std::vector<std::int64_t> shape, float fill = 0.0f);

  /// The tensor called `name`, or nullptr.
  NamedTensor* find(std::string_view name);
  const NamedTensor* find(std::string_view name) const;
  /// The tensor called `name`; throws ismooth::Error naming it if absent.
  NamedTensor& at(std::string_view name);
  const NamedTensor& at(std::string_view name) const;

  std::size_t size() const { return tensors_.size(); }  ///< number of tensors
  std::size_t num_values() const;                       ///< scalars in all tensors
  std::vector<NamedTensor>::iterator begin() { return tensors_.begin(); }
  std::vector<NamedTensor>::iterator end() { return tensors_.end(); }
  std::vector<NamedTensor>::const_iterator begin() const { return tensors_.begin(); }
  std::vector<NamedTensor>::const_iterator end() const { return tensors_.end(); }
  NamedTensor& operator[](std::size_t i) { return tensors_[i]; }
  const NamedTensor& operator[](std::size_t i) const { return tensors_[i]; }

  /// Sets every value of every tensor.
  void fill(float value);
  /// True if both have the same names and shapes in the same order.
  bool same_layout(const Parameters& other) const;

  bool operator==(const Parameters&) const = default;

 private:
  std::vector<NamedTensor> tensors_;
};

/// Every tensor of `config`'s network: zeros, except BN γ = 1 (use initialise
/// for a trainable start; fill(0) for an accumulator).
Parameters make_parameters(const NetworkConfig& config);

/// Draws conv weights by `scheme` (deterministic for a given seed and standard
/// library), biases 0, BN γ = 1, β = 0. `params` must have config's layout.
void initialise(Parameters& params, const NetworkConfig& config,
                InitScheme scheme = InitScheme::uniform_code, std::uint64_t seed = 0);

/// make_parameters + initialise.
Parameters initial_parameters(const NetworkConfig& config,
                              InitScheme scheme = InitScheme::uniform_code, std::uint64_t seed = 0);

/// Throws ismooth::Error naming `caller` unless `params` has exactly config's
/// tensors (names, order, shapes) and only finite values; the message names
/// the first offending tensor.
void check_parameters(const NetworkConfig& config, const Parameters& params, const char* caller);

}  // namespace ismooth::network
