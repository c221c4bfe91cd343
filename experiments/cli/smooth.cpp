// ismooth smooth INPUT... OUTPUT [--model FILE] [--no-postprocess] [--recursive] [--quiet]
//                [--max-memory MIB] [--tile N] [--threads N] [--device cpu|cuda] [--time]
//                [--precision fp32|tf32|bf16|fp16]
//
// Smooths images with a trained network (inference.hpp), the shipped model
// unless --model names one (default_model.hpp), then applies the authors'
// per-channel gain matching (switch off with --no-postprocess).
//
// One input file and an OUTPUT that is not a folder: smooths that file into
// OUTPUT. Otherwise OUTPUT is a folder (created) and every input — files, and
// the images directly in each input folder (with --recursive, in its
// subfolders too, keeping their relative paths) — becomes OUTPUT/<stem>.png.
// The network is loaded once. A file that fails is reported and skipped;
// the run ends with "N smoothed, M failed" and exit status 1 if any failed.
//
// Images whose inference would exceed --max-memory run in tiles with the
// same result (tiled_inference.hpp). Outputs are written atomically: each is
// complete or absent.
#include <omp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

#include "cli/commands.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/default_model.hpp"
#include "ismooth/network/inference.hpp"

namespace ismooth::cli {

namespace {

namespace fs = std::filesystem;

struct Args {
  std::vector<std::string> paths;  // inputs, then the output
  std::string model, device = "cpu", precision = "fp32";
  bool no_postprocess = false, timing = false, recursive = false, quiet = false;
  int threads = 0, tile = 0;
  double max_memory_mib = 6144;
};

struct Job {
  fs::path input, output;
  std::string error;  // set when the job cannot run (it then counts as failed)
};

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".png", ".jpg", ".jpeg"})  // what image_io.hpp reads
    if (ext == e) return true;
  return false;
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

// Images of `dir` (with `recursive`, of its subfolders too, except `out`),
// sorted, with their paths relative to `dir`. Counts other files in *skipped.
std::vector<fs::path> list_images(const fs::path& dir, bool recursive, const fs::path& out,
                                  int* skipped) {
  std::vector<fs::path> found;
  auto visit = [&](const fs::directory_entry& e) {
    std::error_code ec;
    if (!e.is_regular_file(ec)) return;
    if (has_image_extension(e.path()))
      found.push_back(e.path().lexically_relative(dir));
    else
      ++*skipped;
  };
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
      std::error_code ec;
      if (it->is_directory(ec)) {
        if (same_file(it->path(), out)) it.disable_recursion_pending();
        continue;
      }
      visit(*it);
    }
  } else {
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) visit(e);
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Jobs for every input, outputs named <stem>.png under `out`. Collisions
// (a.png and a.jpg, or one name in two folders) get -2, -3, … in input order.
std::vector<Job> plan_jobs(const std::vector<std::string>& inputs, const fs::path& out,
                           bool recursive, bool quiet) {
  std::vector<Job> jobs;
  std::set<std::string> claimed;
  auto add = [&](const fs::path& input, const fs::path& relative_dir) {
    const std::string stem = input.stem().string();
    fs::path output = (out / relative_dir / (stem + ".png")).lexically_normal();
    for (int k = 2; claimed.count(output.string()) != 0; ++k)
      output = (out / relative_dir / (stem + "-" + std::to_string(k) + ".png")).lexically_normal();
    claimed.insert(output.string());
    Job job{input, output, {}};
    if (same_file(input, output)) job.error = "the output " + output.string() + " is the input";
    jobs.push_back(std::move(job));
  };
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (!fs::is_directory(in, ec)) {
      add(in, {});
      continue;
    }
    int skipped = 0;
    const std::vector<fs::path> images = list_images(in, recursive, out, &skipped);
    if (images.empty() && !quiet && inputs.size() > 1)
      std::fprintf(stderr, "note: no images in %s%s\n", in.c_str(),
                   recursive ? "" : " (subfolders are read with --recursive)");
    if (skipped > 0 && !quiet)
      std::fprintf(stderr, "note: %s: skipped %d file%s without an image extension\n", in.c_str(),
                   skipped, skipped == 1 ? "" : "s");
    for (const fs::path& rel : images) add(fs::path(in) / rel, rel.parent_path());
  }
  return jobs;
}

struct Smoother {
  network::Model model;
  std::unique_ptr<network::Network> net;
  network::InferenceOptions options;
  fs::path model_path;
};

std::string describe_tiling(const network::InferenceReport& r) {
  if (!r.tiled) return "";
  char s[160];
  std::snprintf(s, sizeof s, ", %d tiles of %dx%d (halo %d) x %d passes", r.grid.count(),
                r.grid.tile.width, r.grid.tile.height, r.grid.halo, r.passes);
  return s;
}

// Loads, smooths and writes one image; returns the seconds it took.
double smooth_one(Smoother& s, const fs::path& input, const fs::path& output,
                  network::InferenceReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  const Image<float> image = load_image(input);
  const Image<float> result = network::smooth_with_network(*s.net, image, s.options, report);
  save_image(result, output);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run_batch(Smoother& s, const Args& a, const std::vector<std::string>& inputs,
              const fs::path& out) {
  std::error_code ec;
  require(!fs::exists(out, ec) || fs::is_directory(out, ec), "cannot write into '", out.string(),
          "': with several inputs or a folder, OUTPUT must be a folder, and it is a file");
  std::vector<Job> jobs = plan_jobs(inputs, out, a.recursive, a.quiet);
  require(!jobs.empty(), "no images to smooth in ", inputs.size() == 1 ? inputs[0] : "the inputs",
          a.recursive ? "" : " (subfolders are read with --recursive)");
  fs::create_directories(out);
  std::vector<std::string> failures;
  int done = 0;
  const int total = static_cast<int>(jobs.size());
  for (int k = 0; k < total; ++k) {
    const Job& job = jobs[std::size_t(k)];
    try {
      if (!job.error.empty()) fail(job.error);
      fs::create_directories(job.output.parent_path());
      network::InferenceReport report;
      const double seconds = smooth_one(s, job.input, job.output, &report);
      ++done;
      if (!a.quiet)
        std::fprintf(stderr, "[%d/%d] %s -> %s  %.2f s%s\n", k + 1, total, job.input.c_str(),
                     job.output.c_str(), seconds, describe_tiling(report).c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "[%d/%d] %s: error: %s\n", k + 1, total, job.input.c_str(), e.what());
      failures.push_back(job.input.string() + ": " + e.what());
    }
  }
  if (!a.quiet || !failures.empty()) {
    std::fprintf(stderr, "%d smoothed, %zu failed%s\n", done, failures.size(),
                 failures.empty() ? "" : ":");
    for (const std::string& f : failures) std::fprintf(stderr, "  %s\n", f.c_str());
  }
  return failures.empty() ? 0 : 1;
}

int run_smooth(const Args& a) {
  require(a.paths.size() >= 2, "expected INPUT... OUTPUT (at least two paths), got ",
          a.paths.size());
  require(a.threads >= 0, "--threads must be at least 0 (0 = default), got ", a.threads);
  require(a.tile >= 0, "--tile must be at least 0 (0 = automatic), got ", a.tile);
  require(a.max_memory_mib >= 0 && a.max_memory_mib < 1e9,
          "--max-memory must be a number of MiB from 0 (no limit) up, got ", a.max_memory_mib);
  if (a.threads > 0) omp_set_num_threads(a.threads);
  network::EngineOptions engine = engine_for_device(a.device);
  // One plan at a time: a batch of different sizes must not keep the
  // buffers of every size it met.
  engine.max_cached_sizes = 1;
  engine.precision = network::parse_precision(a.precision);

  const std::vector<std::string> inputs(a.paths.begin(), a.paths.end() - 1);
  const fs::path out = a.paths.back();
  std::error_code ec;
  const bool single =
      inputs.size() == 1 && !fs::is_directory(inputs[0], ec) && !fs::is_directory(out, ec);
  // Check the output's extension before the work, not after it.
  if (single) (void)detail::format_of(out, true);

  Smoother s;
  s.model_path = a.model.empty() ? network::default_model_path() : fs::path(a.model);
  s.model = network::load_model(s.model_path);
  s.net = network::make_network(s.model.config, s.model.parameters, engine);
  s.options.postprocess = !a.no_postprocess;
  s.options.max_memory_bytes = std::size_t(a.max_memory_mib * 1024.0 * 1024.0);
  s.options.tile = a.tile;
  if (a.timing)
    std::fprintf(stderr, "model %s (%s) on %s\n", s.model_path.c_str(),
                 s.model.config.describe().c_str(), s.net->engine_info().c_str());

  if (!single) return run_batch(s, a, inputs, out);
  network::InferenceReport report;
  const double seconds = smooth_one(s, inputs[0], out, &report);
  if (a.timing)
    std::fprintf(stderr, "%dx%d in %.3f s (load, smooth, save; estimated %.0f MiB%s)\n",
                 report.grid.image.width, report.grid.image.height, seconds,
                 report.estimated_bytes / (1024.0 * 1024.0), describe_tiling(report).c_str());
  return 0;
}

}  // namespace

void add_smooth_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "smooth",
      "Smooth images with a trained network (the shipped model, or one written by "
      "`ismooth train`)");
  cmd->add_option("PATHS", a->paths,
                  "INPUT... OUTPUT: one input image and an output image (.png, .jpg, .jpeg), or "
                  "several images and/or folders and an output folder (created), each result "
                  "written as OUTPUT/<stem>.png (name clashes get -2, -3, ...)")
      ->required()
      ->expected(2, -1);
  cmd->add_option("--model,-m", a->model,
                  "model file; default: $ISMOOTH_MODEL, else the installed "
                  "<prefix>/share/ismooth/models/default.model beside the executable, else the "
                  "source tree's network/models/default.model");
  cmd->add_flag("--no-postprocess", a->no_postprocess,
                "write the raw network output T (no per-channel gain matching)");
  cmd->add_flag("--recursive,-r", a->recursive,
                "also read images in subfolders of input folders, keeping their relative paths "
                "under OUTPUT");
  cmd->add_flag("--quiet,-q", a->quiet, "no progress lines (failures are still reported)");
  cmd->add_option("--max-memory", a->max_memory_mib,
                  "memory budget per image in MiB (default 6144; 0 = no limit): larger images "
                  "run in tiles with the same result, slower (CPU engine; the CUDA engine runs "
                  "whole images)");
  cmd->add_option("--tile", a->tile,
                  "always tile, with N x N pixel tile interiors (plus the network's halo); "
                  "0 = only when over --max-memory (CPU engine only)");
  cmd->add_option("--threads", a->threads, "OpenMP threads (default: OMP_NUM_THREADS or all)");
  cmd->add_option("--device", a->device,
                  "cpu (oneDNN; default) or cuda (needs a CUDA build and a GPU)");
  cmd->add_option("--precision", a->precision, "fp32 (default), tf32, bf16 or fp16 (cuda only)");
  cmd->add_flag("--time", a->timing, "print the model, engine and time per image to stderr");
  cmd->callback([a, &action] { action = [a] { return run_smooth(*a); }; });
}

}  // namespace ismooth::cli
