// ismooth smooth INPUT... OUTPUT [--model FILE] [--no-postprocess] [--recursive] [--quiet]
//                [--max-memory MIB] [--tile N] [--threads N] [--device cpu|cuda] [--time]
//                [--precision fp32|bf16|tf32|fp16]
//
// Smooths images with a trained network through ismooth::Smoother
// (smooth.hpp): the shipped model unless --model names one
// (default_model.hpp), then the authors' per-channel gain matching (switch
// off with --no-postprocess). This file is the file handling around it.
//
// One input file and an OUTPUT that is not a folder: smooths that file into
// OUTPUT. Otherwise OUTPUT is a folder (created) and every input — files, and
// the images directly in each input folder (with --recursive, in its
// subfolders too, keeping their relative paths) — becomes OUTPUT/<stem>.png.
// The network is loaded once. A file that fails, or a subfolder that cannot
// be read, is reported and skipped; the run ends with "N smoothed, M failed"
// and exit status 1 if any failed.
//
// No input is ever overwritten, checked before any work (output_paths.hpp):
// single-file mode refuses OUTPUT = INPUT (same file, links included); a
// batch is refused as a whole when any result would land on one of its
// inputs (`smooth d d` with d/a.png: d/a.png is both), naming both. Results
// whose names clash with each other (a.png and a.jpg) get -2, -3, … in input
// order, so no result overwrites another. Our temporaries
// (`*.ismooth-tmp-*`) are never read as inputs.
//
// Images whose inference would exceed --max-memory run in tiles with the
// same result (tiled_inference.hpp). Outputs are written atomically: each is
// complete or absent.
#include "ismooth/smooth.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <set>

#include "cli/commands.hpp"
#include "cli/device_options.hpp"
#include "cli/flag_values.hpp"
#include "cli/output_paths.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/default_model.hpp"

namespace ismooth::cli {

namespace {

namespace fs = std::filesystem;

struct Args {
  std::vector<std::string> paths;  // inputs, then the output
  std::string model, device = "cpu", precision = "fp32";
  bool no_postprocess = false, timing = false, recursive = false, quiet = false;
  ThreadsOption threads;
  NumericFlags numbers;
  int tile = 0;
  double max_memory_mib = 6144;
};

struct Job {
  fs::path input, output;
};

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".png", ".jpg", ".jpeg"})  // what image_io.hpp reads
    if (ext == e) return true;
  return false;
}

// What a batch's folder scans found.
struct Scan {
  std::vector<Job> jobs;
  std::vector<std::string> unreadable;  // folders that could not be listed, with why
};

// Images of `dir` (with `recursive`, of its subfolders too, except `out`),
// sorted, with their paths relative to `root`. Counts other files in
// *skipped (our temporaries are not counted: they are not the user's); a
// folder that cannot be listed goes to *unreadable and the rest goes on.
void list_images(const fs::path& root, const fs::path& dir, bool recursive, const fs::path& out,
                 std::vector<fs::path>* found, int* skipped, std::vector<std::string>* unreadable) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  std::vector<fs::path> subfolders;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& e = *it;
    std::error_code kind;
    if (e.is_directory(kind)) {
      if (recursive && file_identity(e.path()) != file_identity(out))
        subfolders.push_back(e.path());
    } else if (!e.is_regular_file(kind) || is_temporary_file(e.path())) {
      continue;
    } else if (has_image_extension(e.path())) {
      found->push_back(e.path().lexically_relative(root));
    } else {
      ++*skipped;
    }
  }
  if (ec) unreadable->push_back(dir.string() + ": cannot read the folder (" + ec.message() + ")");
  std::sort(subfolders.begin(), subfolders.end());
  for (const fs::path& sub : subfolders)
    list_images(root, sub, recursive, out, found, skipped, unreadable);
}

// Jobs for every input, outputs named <stem>.png under `out`. Collisions
// (a.png and a.jpg, or one name in two folders) get -2, -3, … in input order.
Scan plan_jobs(const std::vector<std::string>& inputs, const fs::path& out, bool recursive,
               bool quiet) {
  Scan scan;
  std::set<std::string> claimed;  // file_identity of each output
  auto add = [&](const fs::path& input, const fs::path& relative_dir) {
    const std::string stem = input.stem().string();
    fs::path output = (out / relative_dir / (stem + ".png")).lexically_normal();
    for (int k = 2; claimed.count(file_identity(output)) != 0; ++k)
      output = (out / relative_dir / (stem + "-" + std::to_string(k) + ".png")).lexically_normal();
    claimed.insert(file_identity(output));
    scan.jobs.push_back(Job{input, output});
  };
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (!fs::is_directory(in, ec)) {
      add(in, {});
      continue;
    }
    int skipped = 0;
    std::vector<fs::path> images;
    list_images(in, in, recursive, out, &images, &skipped, &scan.unreadable);
    std::sort(images.begin(), images.end());
    if (images.empty() && !quiet && inputs.size() > 1)
      std::fprintf(stderr, "note: no images in %s%s\n", in.c_str(),
                   recursive ? "" : " (subfolders are read with --recursive)");
    if (skipped > 0 && !quiet)
      std::fprintf(stderr, "note: %s: skipped %d file%s without an image extension\n", in.c_str(),
                   skipped, skipped == 1 ? "" : "s");
    for (const fs::path& rel : images) add(fs::path(in) / rel, rel.parent_path());
  }
  return scan;
}

// Refuses the whole batch, before any work, if a result would be written
// over one of the batch's inputs (or the model): it would be gone, or read
// back as our own output, by the time its turn came.
void refuse_overwriting_inputs(const std::vector<Job>& jobs, const std::string& model) {
  std::map<std::string, fs::path> inputs;
  for (const Job& job : jobs) inputs.emplace(file_identity(job.input), job.input);
  if (!model.empty()) inputs.emplace(file_identity(model), model);
  for (const Job& job : jobs) {
    const auto it = inputs.find(file_identity(job.output));
    if (it != inputs.end())
      fail("refusing to overwrite an input: the result of '", job.input.string(),
           "' would be written to '", job.output.string(), "', which is the input '",
           it->second.string(), "' (choose an OUTPUT folder that holds none of the inputs)");
  }
}

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
  const Image<float> result = s(image, report);
  save_image(result, output);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The batch's plan, checked before the network is loaded.
Scan plan_batch(const Args& a, const std::vector<std::string>& inputs, const fs::path& out) {
  std::error_code ec;
  require(!fs::exists(out, ec) || fs::is_directory(out, ec), "cannot write into '", out.string(),
          "': with several inputs or a folder, OUTPUT must be a folder, and it is a file");
  Scan scan = plan_jobs(inputs, out, a.recursive, a.quiet);
  require(!scan.jobs.empty() || !scan.unreadable.empty(), "no images to smooth in ",
          inputs.size() == 1 ? inputs[0] : "the inputs",
          a.recursive ? "" : " (subfolders are read with --recursive)");
  refuse_overwriting_inputs(scan.jobs, a.model);
  check_folder_writable("OUTPUT", out);
  return scan;
}

int run_batch(Smoother& s, const Args& a, const Scan& scan, const fs::path& out) {
  fs::create_directories(out);
  std::vector<std::string> failures;
  for (const std::string& why : scan.unreadable) {
    std::fprintf(stderr, "error: %s\n", why.c_str());
    failures.push_back(why);
  }
  const std::vector<Job>& jobs = scan.jobs;
  int done = 0;
  const int total = static_cast<int>(jobs.size());
  for (int k = 0; k < total; ++k) {
    const Job& job = jobs[std::size_t(k)];
    try {
      fs::create_directories(job.output.parent_path());
      network::InferenceReport report;
      const double seconds = smooth_one(s, job.input, job.output, &report);
      ++done;
      if (!a.quiet)
        std::fprintf(stderr, "[%d/%d] %s -> %s  %.2f s%s\n", k + 1, total, job.input.c_str(),
                     job.output.c_str(), seconds, describe_tiling(report).c_str());
    } catch (const std::exception& e) {
      const bool memory = dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
      const std::string why = memory ? "out of memory (try a lower --max-memory)" : e.what();
      std::fprintf(stderr, "[%d/%d] %s: error: %s\n", k + 1, total, job.input.c_str(), why.c_str());
      failures.push_back(job.input.string() + ": " + why);
    }
  }
  if (!a.quiet || !failures.empty()) {
    std::fprintf(stderr, "%d smoothed, %zu failed%s\n", done, failures.size(),
                 failures.empty() ? "" : ":");
    for (const std::string& f : failures) std::fprintf(stderr, "  %s\n", f.c_str());
  }
  return failures.empty() ? 0 : 1;
}

int run_smooth(Args& a) {
  require(a.paths.size() >= 2, "expected INPUT... OUTPUT (at least two paths), got ",
          a.paths.size());
  a.numbers.parse_all();
  apply_threads(a.threads);
  // A shipped model's name becomes its file here, so the checks below see it.
  if (!a.model.empty()) a.model = network::resolve_model(a.model).string();
  SmoothOptions options;
  options.engine = engine_for_device(a.device);
  // One plan at a time: a batch of different sizes must not keep the
  // buffers of every size it met.
  options.engine.max_cached_sizes = 1;
  apply_precision(options.engine, a.precision);

  const std::vector<std::string> inputs(a.paths.begin(), a.paths.end() - 1);
  const fs::path out = a.paths.back();
  std::error_code ec;
  const bool single =
      inputs.size() == 1 && !fs::is_directory(inputs[0], ec) && !fs::is_directory(out, ec);
  // Check the output before the work, not after it.
  std::optional<Scan> batch;
  if (single) {
    (void)detail::format_of(out, true);
    check_outputs({{"OUTPUT", out}}, {{"INPUT", inputs[0]}, {"--model", a.model}});
  } else {
    batch = plan_batch(a, inputs, out);
  }

  options.model = a.model;
  options.inference.postprocess = !a.no_postprocess;
  options.inference.max_memory_bytes = std::size_t(a.max_memory_mib * 1024.0 * 1024.0);
  options.inference.tile = a.tile;
  Smoother s(options);
  if (a.timing)
    std::fprintf(stderr, "model %s (%s) on %s\n", s.model_path().c_str(),
                 s.model().config.describe().c_str(), s.network().engine_info().c_str());

  if (!single) return run_batch(s, a, *batch, out);
  network::InferenceReport report;
  const double seconds = smooth_one(s, inputs[0], out, &report);
  if (a.timing)
    std::fprintf(stderr, "%dx%d in %.3f s (load, smooth, save; estimated %.0f MiB%s)\n",
                 report.grid.image.width, report.grid.image.height, seconds,
                 report.estimated_bytes / (1024.0 * 1024.0), describe_tiling(report).c_str());
  if (a.timing) {
    const std::string kernels = describe_kernels(s.network().kernels(report.grid.image, false));
    if (!kernels.empty()) std::fprintf(stderr, "%s\n", kernels.c_str());
  }
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
                  "model file or shipped model name (`ismooth models`: smoothing, smoothing-w64, "
                  "smoothing-adaptive, detail, texture, background, foreground); "
                  "default: $ISMOOTH_MODEL, else the installed "
                  "<prefix>/share/ismooth/models/default.model beside the executable, else the "
                  "source tree's network/models/default.model");
  cmd->add_flag("--no-postprocess", a->no_postprocess,
                "write the raw network output T (no per-channel gain matching)");
  cmd->add_flag("--recursive,-r", a->recursive,
                "also read images in subfolders of input folders, keeping their relative paths "
                "under OUTPUT");
  cmd->add_flag("--quiet,-q", a->quiet, "no progress lines (failures are still reported)");
  a->numbers.add(*cmd, "--max-memory", a->max_memory_mib, {0, 1e9, false, "0 = no limit"},
                 "memory budget per image in MiB (default 6144): larger images run in tiles "
                 "with the same result, slower (CPU engine; the CUDA engine runs whole images)");
  a->numbers.add(*cmd, "--tile", a->tile, {0, 65535, "0 = only when over --max-memory"},
                 "always tile, with N x N pixel tile interiors (plus the network's halo; CPU "
                 "engine only)");
  add_threads_option(*cmd, a->threads);
  add_device_option(*cmd, a->device);
  add_precision_option(*cmd, a->precision,
                       "fp32 (default); bf16 (cpu: needs AVX512-BF16; cuda); tf32 or fp16 "
                       "(cuda only)");
  cmd->add_flag("--time", a->timing,
                "print the model, engine, kernels and time per image to stderr");
  cmd->callback([a, &action] { action = [a] { return run_smooth(*a); }; });
}

}  // namespace ismooth::cli
