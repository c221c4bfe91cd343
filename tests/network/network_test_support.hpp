#pragma once
// Helpers of the network tests: raw-file exchange with the PyTorch reference
// (tests/network/torch_reference.py, run by Debian's /usr/bin/python3),
// random tensors and error measures, synthetic training sets and a scoped
// OpenMP thread count.

#include <doctest/doctest.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "ismooth/image.hpp"
#include "ismooth/network/parameters.hpp"
#include "ismooth/network/training_data.hpp"

namespace ismooth::test {

/// True if Debian's python3 with torch (python3-torch) is there; the tests
/// that need it print why they skip and return otherwise.
inline bool have_torch() {
  static const bool ok =
      std::system("/usr/bin/python3 -c 'import torch, numpy' > /dev/null 2>&1") == 0;
  return ok;
}

#define ISMOOTH_REQUIRE_TORCH()                                      \
  do {                                                               \
    if (!ismooth::test::have_torch()) {                              \
      MESSAGE(                                                       \
          "skipped: /usr/bin/python3 cannot import torch and numpy " \
          "(apt-get install python3-torch python3-numpy)");          \
      return;                                                        \
    }                                                                \
  } while (0)

/// A fresh folder under the system temp dir, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("ismooth_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  // ISMOOTH_KEEP_TEST_FILES=1 keeps the folders for a manual look.
  ~TempDir() {
    if (std::getenv("ISMOOTH_KEEP_TEST_FILES") != nullptr) return;
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

inline void write_f32(const std::filesystem::path& file, const float* data, std::size_t n) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(n * sizeof(float)));
  REQUIRE(out.good());
}

inline void write_f32(const std::filesystem::path& file, const std::vector<float>& v) {
  write_f32(file, v.data(), v.size());
}

inline std::vector<double> read_f64(const std::filesystem::path& file, std::size_t n) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing reference output ", file.string());
  std::vector<double> v(n);
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(n * sizeof(double)));
  REQUIRE_MESSAGE(in.gcount() == std::streamsize(n * sizeof(double)), "short file ", file.string());
  return v;
}

/// Runs torch_reference.py MODE DIR; REQUIREs success.
inline void run_reference(const std::string& mode, const std::filesystem::path& dir) {
  const std::string command = std::string("/usr/bin/python3 '") + ISMOOTH_NETWORK_TEST_DIR +
                              "/torch_reference.py' " + mode + " '" + dir.string() + "'";
  REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "failed: ", command);
}

inline std::vector<float> random_values(std::size_t n, unsigned seed, double lo, double hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = float(u(rng));
  return v;
}

/// A (3, h, w) image of uniform random values in [lo, hi).
inline Image<float> random_image(std::size_t h, std::size_t w, unsigned seed, double lo = 0,
                                 double hi = 255) {
  const auto v = random_values(3 * h * w, seed, lo, hi);
  Image<float> image = make_image<float>(h, w);
  std::copy(v.begin(), v.end(), image.begin());
  return image;
}

/// max |a − ref| / max |ref| (ref in double). 0 if both are all zero.
inline double relative_error(const float* a, const std::vector<double>& ref) {
  double diff = 0, scale = 0;
  for (std::size_t k = 0; k < ref.size(); ++k) {
    diff = std::max(diff, std::abs(double(a[k]) - ref[k]));
    scale = std::max(scale, std::abs(ref[k]));
  }
  return scale > 0 ? diff / scale : diff;
}

inline double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

/// Randomises every tensor of `p` (weights around the initialisation scale,
/// biases, BN γ in [0.5, 1.5], β in [−0.5, 0.5]) so no term is trivial.
inline void randomise(network::Parameters& p, unsigned seed) {
  std::mt19937 rng(seed);
  for (network::NamedTensor& t : p) {
    double lo = -0.5, hi = 0.5;
    if (t.name.rfind("bn", 0) == 0 && t.name.ends_with(".weight")) lo = 0.5, hi = 1.5;
    if (t.shape.size() == 4) {
      const double fan = double(t.shape[1] + t.shape[0]) * t.shape[2] * t.shape[3];
      hi = std::sqrt(12.0 / fan);
      lo = -hi;
    }
    std::uniform_real_distribution<double> u(lo, hi);
    for (float& v : t.values) v = float(u(rng));
  }
}

/// Sets the OpenMP thread count for a scope.
struct ThreadCount {
  int saved;
  explicit ThreadCount(int n) : saved(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ThreadCount() { omp_set_num_threads(saved); }
};

/// A synthetic set of n images of h × w with smooth gradients and a square:
/// no pixel has E(I) = 0 (the gradient has a slope everywhere). `seed`
/// shifts the texture's frequencies (another set of the same kind).
inline network::ImageSet synthetic_set(int n, std::size_t h, std::size_t w, int seed = 0) {
  std::vector<Image<float>> images;
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) {
    Image<float> im = make_image<float>(h, w);
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
          const bool inside = y > h / 4 && y < 3 * h / 4 && x > w / 3 && x < 2 * w / 3;
          im(c, y, x) = float((inside ? 160 : 40) + 30 * c + 0.7 * double(x) + 0.3 * double(y) +
                              7 * std::sin(0.9 * double(x * (i + seed + 1)) + double(y)));
        }
    images.push_back(im);
    names.push_back("synthetic" + std::to_string(i));
  }
  return network::ImageSet::from_images(images, names, 0);
}

}  // namespace ismooth::test
