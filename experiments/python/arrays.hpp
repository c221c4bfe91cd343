#pragma once
// numpy arrays <-> the library's images. Python sees images as numpy arrays
// H x W x 3 (RGB, interleaved, as PIL and matplotlib hold them) or H x W
// (grey), uint8 or floating point on the 0-255 scale, any strides; the
// library holds them planar, (3, H, W) (image.hpp). Conversions copy, so
// every result is a new array and no library call sees Python's memory.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "ismooth/image.hpp"
#include "ismooth/presets.hpp"

namespace ismooth::python {

namespace py = pybind11;

/// An image from Python, planar, with whether it was grey (H x W).
template <class Scalar>
struct InputImage {
  Image<Scalar> image;  ///< (3, H, W); a grey image has three equal channels
  bool grey = false;
};

/// `array` (H x W x 3 or H x W; uint8 or floating point; any strides) as a
/// (3, H, W) image. Throws ismooth::Error naming `what` for another shape or
/// dtype, an empty image or a non-finite value (check_image's message).
template <class Scalar>
InputImage<Scalar> to_image(const py::handle& array, const std::string& what);

/// A planar image as a new numpy array of `Scalar`: H x W x 3, or H x W (the
/// mean of the channels, in double) when `grey`.
template <class Scalar>
py::array_t<Scalar> from_image(const Image<Scalar>& image, bool grey);

/// A mask from Python: an H x W array, bool or numbers (non-zero = set).
/// Throws ismooth::Error naming `what` for another shape or a non-finite value.
Mask to_mask(const py::handle& array, const std::string& what);

/// A mask as a new H x W numpy bool array.
py::array_t<bool> from_mask(const Mask& mask);

/// A flat vector of doubles from any numeric array (the variable of
/// ismooth.minimize), with its shape to give it back.
struct FlatArray {
  xt::xtensor<double, 1> values;
  std::vector<py::ssize_t> shape;
};
FlatArray to_flat(const py::handle& array, const std::string& what);

/// `values` as a new float64 array of `shape`.
py::array_t<double> from_flat(const double* values, const std::vector<py::ssize_t>& shape);

/// `edges=` and `mask=` as PresetInputs, checked against the input's size.
template <class Scalar>
PresetInputs preset_inputs(const py::handle& edges, const py::handle& mask,
                           const Image<Scalar>& input) {
  PresetInputs inputs;
  if (!edges.is_none()) {
    inputs.edges = to_mask(edges, "edges");
    check_same_size(*inputs.edges, "edges", input, "input");
  }
  if (!mask.is_none()) {
    inputs.foreground = to_mask(mask, "mask");
    check_same_size(*inputs.foreground, "mask", input, "input");
  }
  return inputs;
}

}  // namespace ismooth::python
