// Benchmark of the CUDA engine (GPU timings with CUDA events, warm-up,
// medians), beside the same network in PyTorch CUDA eager measured in the
// same run by bench_network_cuda_torch.py when a CUDA-enabled torch imports:
//   * inference at 1280×720 (and 224×224, 640×480) in fp32, tf32, bf16, fp16,
//     device buffers in and out (no host copies);
//   * one training step at 224×224: forward + energy value and gradient +
//     backward (gradients to the host), i.e. what `ismooth train --device
//     cuda` runs per crop, and forward + backward alone (PyTorch's
//     comparable: forward + backward of the same network with a given dL/dT).
// GFLOP/s count 0.571 MFLOP per pixel forward, 3× that for a training step.
//
// Usage: bench_network_cuda [--repeats N] [--sizes 224x224,640x480,1280x720]
//                           [--no-torch] [--python python3] [--json FILE]
// Exit code 77 (skipped) when no CUDA device is present.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cuda/cuda_common.hpp"
#include "cuda/cuda_energy.hpp"
#include "cli/omp_wait_policy.hpp"
#include "cuda/cuda_network.hpp"
#include "ismooth/network/network.hpp"
#include "ismooth/presets.hpp"

using namespace ismooth;
using namespace ismooth::network;

namespace {

struct Row {
  std::string kind, size, impl;
  double median_ms = NAN, min_ms = NAN, gflops = NAN;
};

// Median and min of `repeats` timings of f() on `stream` by CUDA events,
// after `warmup` untimed calls.
template <class F>
std::pair<double, double> time_gpu(cudaStream_t stream, int warmup, int repeats, F&& f) {
  for (int i = 0; i < warmup; ++i) f();
  cuda::check_cuda(cudaStreamSynchronize(stream), "warm-up");
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    cudaEventRecord(a, stream);
    f();
    cudaEventRecord(b, stream);
    cudaEventSynchronize(b);
    float t = 0;
    cudaEventElapsedTime(&t, a, b);
    ms.push_back(t);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

Image<float> test_image(int h, int w) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0, 255);
  Image<float> im = make_image<float>(std::size_t(h), std::size_t(w));
  // Smooth content plus noise, so the energy's masks are not trivial.
  for (std::size_t c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        im(c, y, x) = std::clamp(float(100 + 60 * std::sin(0.05 * x + 0.03 * y + c) +
                                       0.1 * u(rng)), 0.0f, 255.0f);
  return im;
}

std::vector<std::pair<int, int>> parse_sizes(const std::string& text) {
  std::vector<std::pair<int, int>> sizes;
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ',')) {
    int w = 0, h = 0;
    if (std::sscanf(item.c_str(), "%dx%d", &w, &h) != 2 || w <= 0 || h <= 0)
      fail("bad size '", item, "' (expected WxH)");
    sizes.push_back({w, h});
  }
  return sizes;
}

void run_torch(const std::string& python, const std::string& args, std::vector<Row>& rows) {
  const std::string cmd = python + " '" ISMOOTH_BENCH_DIR "/bench_network_cuda_torch.py' " +
                          args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    char kind[64], size[64], impl[128];
    double median = 0, min = 0;
    if (std::sscanf(line, "ROW %63s %63s %127s %lf %lf", kind, size, impl, &median, &min) == 5) {
      Row r{kind, size, impl, median, min, NAN};
      rows.push_back(r);
    } else {
      std::fprintf(stderr, "torch: %s", line);
    }
  }
  pclose(pipe);
}

}  // namespace

int main(int argc, char** argv) try {
  ismooth::tool::default_to_passive_omp_wait(argv);
  int repeats = 20;
  bool torch = true;
  std::string python = "python3", json, sizes_text = "224x224,640x480,1280x720";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) fail(a, " needs a value");
      return argv[++i];
    };
    if (a == "--repeats")
      repeats = std::stoi(next());
    else if (a == "--sizes")
      sizes_text = next();
    else if (a == "--no-torch")
      torch = false;
    else if (a == "--python")
      python = next();
    else if (a == "--json")
      json = next();
    else {
      std::fprintf(stderr,
                   "Usage: bench_network_cuda [--repeats N] [--sizes WxH,...] [--no-torch] "
                   "[--python python3] [--json FILE]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  std::string why;
  if (!engine_available(EngineKind::cuda, &why)) {
    std::fprintf(stderr, "bench_network_cuda: skipped: %s\n", why.c_str());
    return 77;
  }
  const NetworkConfig config = NetworkConfig::paper();
  const Parameters params = initial_parameters(config);
  std::vector<Row> rows;
  std::string info;

  // Inference.
  for (Precision precision : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16}) {
    EngineOptions o;
    o.kind = EngineKind::cuda;
    o.precision = precision;
    auto net = make_network(config, params, o);
    auto& dev = dynamic_cast<cuda::DeviceNetwork&>(*net);
    info = net->engine_info();
    const auto stream = static_cast<cudaStream_t>(dev.stream_handle());
    for (const auto& [w, h] : parse_sizes(sizes_text)) {
      const Image<float> input = test_image(h, w);
      cuda::DeviceBuffer in(input.size() * sizeof(float)), out(input.size() * sizeof(float));
      cudaMemcpy(in.get(), input.data(), in.bytes(), cudaMemcpyHostToDevice);
      const auto [median, min] = time_gpu(stream, 3, repeats, [&] {
        dev.infer_device(in.as<float>(), {h, w}, out.as<float>());
      });
      const double gflop = forward_flops(config, {h, w}) * 1e-9;
      rows.push_back({"inference", std::to_string(w) + "x" + std::to_string(h),
                      std::string("ours-") + to_string(precision), median, min,
                      gflop / (median * 1e-3)});
      std::fprintf(stderr, "inference %dx%d %s: %.3f ms\n", w, h, to_string(precision), median);
    }
  }

  // Training step at 224².
  for (Precision precision : {Precision::fp32, Precision::tf32}) {
    EngineOptions o;
    o.kind = EngineKind::cuda;
    o.precision = precision;
    auto net = make_network(config, params, o);
    auto& dev = dynamic_cast<cuda::DeviceNetwork&>(*net);
    const auto stream = static_cast<cudaStream_t>(dev.stream_handle());
    const int h = 224, w = 224;
    const Image<float> input = test_image(h, w);
    EnergyParams ep = preset_params(Preset::smoothing);
    ep.gradient = GradientMode::clipped;
    const SmoothingEnergy<float> energy = make_energy(input, Preset::smoothing, ep);
    cuda::CudaSmoothingEnergy gpu_energy(energy, stream);
    cuda::DeviceBuffer t(input.size() * sizeof(float)), dt(input.size() * sizeof(float));
    Parameters grads = make_parameters(config);
    const double gflop = 3 * forward_flops(config, {h, w}) * 1e-9;
    const std::string tag = std::string("ours-") + to_string(precision);
    {
      const auto [median, min] = time_gpu(stream, 3, repeats, [&] {
        dev.forward_device(gpu_energy.device_input(), {h, w}, t.as<float>());
        dev.backward_device(gpu_energy.device_input(), {h, w}, grads, nullptr);
      });
      rows.push_back({"train_fwd_bwd", "224x224", tag, median, min, gflop / (median * 1e-3)});
    }
    {
      const auto [median, min] = time_gpu(stream, 3, repeats, [&] {
        dev.forward_device(gpu_energy.device_input(), {h, w}, t.as<float>());
        gpu_energy.evaluate(t.as<float>(), dt.as<float>());
        dev.backward_device(dt.as<float>(), {h, w}, grads, nullptr);
      });
      rows.push_back({"train_step_energy", "224x224", tag, median, min, gflop / (median * 1e-3)});
    }
    {
      const auto [median, min] = time_gpu(stream, 3, repeats, [&] {
        gpu_energy.evaluate(t.as<float>(), dt.as<float>());
      });
      rows.push_back({"energy_gradient", "224x224", tag, median, min, NAN});
    }
    std::fprintf(stderr, "training %s done\n", to_string(precision));
  }

  if (torch) run_torch(python, "--sizes " + sizes_text + " --repeats " + std::to_string(repeats),
                       rows);

  std::printf("engine: %s\n\n", info.c_str());
  std::printf("| case | size | implementation | median ms | min ms | GFLOP/s |\n|---|---|---|---|---|---|\n");
  for (const Row& r : rows)
    std::printf("| %s | %s | %s | %.3f | %.3f | %.0f |\n", r.kind.c_str(), r.size.c_str(),
                r.impl.c_str(), r.median_ms, r.min_ms, r.gflops);
  if (!json.empty()) {
    std::ofstream out(json);
    out << "{\n  \"engine\": \"" << info << "\",\n  \"rows\": [\n";
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const Row& r = rows[k];
      out << "    {\"kind\": \"" << r.kind << "\", \"size\": \"" << r.size << "\", \"impl\": \""
          << r.impl << "\", \"median_ms\": " << r.median_ms << ", \"min_ms\": " << r.min_ms
          << ", \"gflops\": " << (std::isnan(r.gflops) ? 0.0 : r.gflops) << "}"
          << (k + 1 < rows.size() ? ",\n" : "\n");
    }
    out << "  ]\n}\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_network_cuda: error: %s\n", e.what());
  return 1;
}
