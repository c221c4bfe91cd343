// numpy arrays <-> the library's images (arrays.hpp).
#include "arrays.hpp"

#include <cmath>

#include "ismooth/error.hpp"

namespace ismooth::python {

namespace {

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t k = 0; k < a.ndim(); ++k) s += (k ? ", " : "") + std::to_string(a.shape(k));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

py::array as_array(const py::handle& h, const std::string& what) {
  py::array a = py::array::ensure(h);
  require(bool(a), what, ": expected a numpy array, got ",
          std::string(py::str(py::type::handle_of(h).attr("__name__"))));
  return a;
}

// The array's values as C-ordered doubles (uint8 and floats are exact in
// double, so the later cast to float rounds exactly as a direct one would).
Doubles as_doubles(const py::array& a) { return Doubles::ensure(a); }

}  // namespace

template <class Scalar>
InputImage<Scalar> to_image(const py::handle& h, const std::string& what) {
  const py::array a = as_array(h, what);
  const char kind = a.dtype().kind();
  const bool uint8 = kind == 'u' && a.dtype().itemsize() == 1;
  require(uint8 || kind == 'f', what,
          ": expected uint8 or floating-point values on the 0-255 "
          "scale, got dtype ",
          std::string(py::str(a.dtype())));
  const bool grey = a.ndim() == 2;
  require(grey || (a.ndim() == 3 && a.shape(2) == 3), what,
          ": expected an H x W x 3 (RGB) or H x W (grey) array, got shape ", shape_text(a),
          a.ndim() == 3 && a.shape(2) == 4 ? " (drop the alpha channel: image[..., :3])" : "");
  const Doubles d = as_doubles(a);
  const std::size_t h_ = std::size_t(a.shape(0)), w = std::size_t(a.shape(1));
  InputImage<Scalar> out;
  out.grey = grey;
  out.image = make_image<Scalar>(h_, w);
  const double* p = d.data();
  for (std::size_t y = 0; y < h_; ++y)
    for (std::size_t x = 0; x < w; ++x)
      for (std::size_t c = 0; c < kChannels; ++c)
        out.image(c, y, x) = Scalar(grey ? p[y * w + x] : p[(y * w + x) * kChannels + c]);
  check_image(out.image, what);
  return out;
}

template <class Scalar>
py::array_t<Scalar> from_image(const Image<Scalar>& image, bool grey) {
  const std::size_t h = height(image), w = width(image);
  if (grey) {
    py::array_t<Scalar> out({py::ssize_t(h), py::ssize_t(w)});
    Scalar* p = out.mutable_data();
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        double sum = 0;
        for (std::size_t c = 0; c < kChannels; ++c) sum += double(image(c, y, x));
        p[y * w + x] = Scalar(sum / double(kChannels));
      }
    return out;
  }
  py::array_t<Scalar> out({py::ssize_t(h), py::ssize_t(w), py::ssize_t(kChannels)});
  Scalar* p = out.mutable_data();
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      for (std::size_t c = 0; c < kChannels; ++c) p[(y * w + x) * kChannels + c] = image(c, y, x);
  return out;
}

template InputImage<float> to_image<float>(const py::handle&, const std::string&);
template InputImage<double> to_image<double>(const py::handle&, const std::string&);
template py::array_t<float> from_image<float>(const Image<float>&, bool);
template py::array_t<double> from_image<double>(const Image<double>&, bool);

Mask to_mask(const py::handle& h, const std::string& what) {
  const py::array a = as_array(h, what);
  const char kind = a.dtype().kind();
  require(kind == 'b' || kind == 'u' || kind == 'i' || kind == 'f', what,
          ": expected a bool or numeric array, got dtype ", std::string(py::str(a.dtype())));
  require(a.ndim() == 2, what, ": expected an H x W array, got shape ", shape_text(a));
  const Doubles d = as_doubles(a);
  Mask m(Mask::shape_type{std::size_t(a.shape(0)), std::size_t(a.shape(1))});
  for (std::size_t k = 0; k < m.size(); ++k) {
    require(std::isfinite(d.data()[k]), what, ": value ", d.data()[k], " at flat index ", k,
            " is not finite");
    m.data()[k] = d.data()[k] != 0 ? 1 : 0;
  }
  return m;
}

py::array_t<bool> from_mask(const Mask& mask) {
  py::array_t<bool> out({py::ssize_t(height(mask)), py::ssize_t(width(mask))});
  bool* p = out.mutable_data();
  for (std::size_t k = 0; k < mask.size(); ++k) p[k] = mask.data()[k] != 0;
  return out;
}

FlatArray to_flat(const py::handle& h, const std::string& what) {
  const py::array a = as_array(h, what);
  const char kind = a.dtype().kind();
  require(kind == 'u' || kind == 'i' || kind == 'f', what, ": expected a numeric array, got dtype ",
          std::string(py::str(a.dtype())));
  const Doubles d = as_doubles(a);
  FlatArray out;
  out.shape.assign(a.shape(), a.shape() + a.ndim());
  out.values = xt::xtensor<double, 1>::from_shape({std::size_t(d.size())});
  std::copy(d.data(), d.data() + d.size(), out.values.begin());
  return out;
}

py::array_t<double> from_flat(const double* values, const std::vector<py::ssize_t>& shape) {
  py::array_t<double> out(shape);
  std::copy(values, values + out.size(), out.mutable_data());
  return out;
}

}  // namespace ismooth::python
