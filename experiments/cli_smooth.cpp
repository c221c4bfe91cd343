// ismooth smooth INPUT OUTPUT --model FILE [--no-postprocess] [--threads N] [--device cpu|cuda]
//                [--precision fp32|tf32|bf16|fp16]
//
// Smooths one image with a trained network (inference.hpp): the whole image
// in one pass, any size, then the authors' per-channel gain matching
// (switch off with --no-postprocess). The output is written atomically; on
// any error nothing is written.
#include <omp.h>

#include <chrono>
#include <cstdio>

#include "cli.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/inference.hpp"

namespace ismooth::cli {

void add_smooth_command(CLI::App& app, Action& action) {
  struct Args {
    std::string input, output, model, device = "cpu", precision = "fp32";
    bool no_postprocess = false, timing = false;
    int threads = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "smooth", "Smooth an image with a trained network (a model written by `ismooth train`)");
  cmd->add_option("INPUT", a->input, "input image (PNG/JPEG)")->required();
  cmd->add_option("OUTPUT", a->output, "output image (.png, .jpg or .jpeg)")->required();
  cmd->add_option("--model,-m", a->model, "the model file (required for now)");
  cmd->add_flag("--no-postprocess", a->no_postprocess,
                "write the raw network output T (no per-channel gain matching)");
  cmd->add_option("--threads", a->threads, "OpenMP threads (default: OMP_NUM_THREADS or all)");
  cmd->add_option("--device", a->device, "cpu (oneDNN; default) or cuda (needs a CUDA build and a GPU)");
  cmd->add_option("--precision", a->precision, "fp32 (default), tf32, bf16 or fp16 (cuda only)");
  cmd->add_flag("--time", a->timing, "print the inference time to stderr");
  cmd->callback([a, &action] {
    action = [a] {
      require(!a->model.empty(),
              "no model given: pass --model FILE (a model written by `ismooth train`)");
      if (a->threads > 0) omp_set_num_threads(a->threads);
      network::EngineOptions engine;
      if (a->device == "cuda")
        engine.kind = network::EngineKind::cuda;
      else
        require(a->device == "cpu", "--device ", a->device, ": expected cpu or cuda");
      engine.precision = network::parse_precision(a->precision);
      // Check the output's extension before the work, not after it.
      require(!std::filesystem::is_directory(a->output), "cannot write '", a->output,
              "': it is a directory");
      (void)detail::format_of(a->output, true);
      const network::Model model = network::load_model(a->model);
      const Image<float> input = load_image(a->input);
      auto net = network::make_network(model.config, model.parameters, engine);
      network::InferenceOptions options;
      options.postprocess = !a->no_postprocess;
      const auto t0 = std::chrono::steady_clock::now();
      const Image<float> output = network::smooth_with_network(*net, input, options);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      save_image(output, a->output);
      if (a->timing)
        std::fprintf(stderr, "%zux%zu in %.3f s (%s, %s)\n", width(input), height(input), seconds,
                     net->engine_info().c_str(), model.config.describe().c_str());
      return 0;
    };
  });
}

}  // namespace ismooth::cli
