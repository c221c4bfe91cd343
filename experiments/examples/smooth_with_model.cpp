// Example: smoothing an image with the shipped model from C++.
//
//   smooth_with_model INPUT OUTPUT [MODEL]
//
// Reads INPUT (PNG or JPEG), runs the smoothing network of MODEL (default:
// the shipped model, found as `ismooth smooth` finds it) on the CPU, and
// writes OUTPUT. Links ismooth::network (README, "Using ismooth from your own
// CMake project"):
//
//   find_package(ismooth REQUIRED COMPONENTS network)
//   target_link_libraries(my_program PRIVATE ismooth::network)
#include <cmath>
#include <cstdio>
#include <exception>
#include <ismooth/image_io.hpp>
#include <ismooth/network/default_model.hpp>
#include <ismooth/network/inference.hpp>
#include <ismooth/network/model_file.hpp>

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: smooth_with_model INPUT OUTPUT [MODEL]\n");
    return 2;
  }
  try {
    // Images are planar (3, H, W) floats on the 0-255 scale (image.hpp).
    const ismooth::Image<float> input = ismooth::load_image(argv[1]);
    const std::filesystem::path model_path =
        argc == 4 ? std::filesystem::path(argv[3]) : ismooth::network::default_model_path();
    const ismooth::network::Model model = ismooth::network::load_model(model_path);
    // The defaults of `ismooth smooth`: the oneDNN CPU engine, the authors'
    // per-channel gain matching, tiles when the image exceeds the memory budget.
    const ismooth::Image<float> output =
        ismooth::network::smooth_with_model(model, input, {}, {});
    ismooth::save_image(output, argv[2]);

    double change = 0;
    for (std::size_t k = 0; k < output.size(); ++k)
      change += std::fabs(output.data()[k] - input.data()[k]);
    std::printf("%s -> %s (%zux%zu) with %s: mean change %.3g per value\n", argv[1], argv[2],
                ismooth::width(output), ismooth::height(output), model_path.c_str(),
                change / double(output.size()));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "smooth_with_model: error: %s\n", e.what());
    return 1;
  }
}
