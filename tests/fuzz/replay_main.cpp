// Runs a libFuzzer target's LLVMFuzzerTestOneInput over files, without
// libFuzzer: the CTest replay of the seed corpus and the regression inputs in
// the normal (gcc, release) build. See docs/fuzzing.md.
//
// Usage: fuzz_replay_<target> [--max-rss-mb=N] PATH...
//   PATH: files, or folders read recursively.
//   --max-rss-mb=N: fail when an input raises the process's peak resident
//     memory above N MiB. libFuzzer's -malloc_limit_mb finds allocation bombs
//     (a tiny file that makes a decoder allocate and fill gigabytes); this
//     keeps them found without clang or sanitizers.
// Exits 0 when every input was handled; an input that makes the target crash
// or throw something other than ismooth::Error ends the process abnormally,
// and the last "replaying" line names it.
#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_of(const fs::path& path) {
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(path))
      if (e.is_regular_file()) files.push_back(e.path());
  } else {
    files.push_back(path);
  }
  // Sorted, so a failing run names the same input every time.
  std::sort(files.begin(), files.end());
  return files;
}

/// Peak resident memory of this process so far, MiB (Linux: ru_maxrss in KiB).
long peak_rss_mb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string rss_flag = "--max-rss-mb=";
  long max_rss_mb = 0;  // 0: no limit
  int first_path = 1;
  if (argc > 1 && std::string(argv[1]).rfind(rss_flag, 0) == 0) {
    max_rss_mb = std::stol(std::string(argv[1]).substr(rss_flag.size()));
    first_path = 2;
  }
  if (argc <= first_path) {
    std::cerr << "Usage: " << argv[0] << " [--max-rss-mb=N] PATH...\n";
    return 2;
  }
  std::size_t count = 0;
  for (int i = first_path; i < argc; ++i) {
    if (!fs::exists(argv[i])) {
      std::cerr << argv[0] << ": '" << argv[i] << "' does not exist\n";
      return 2;
    }
    for (const fs::path& file : inputs_of(argv[i])) {
      std::cout << "replaying " << file.string() << std::endl;  // flushed: names a crash
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::cerr << argv[0] << ": cannot open '" << file.string() << "'\n";
        return 2;
      }
      const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
      // A copy of exactly the input's size, as libFuzzer passes it, so an
      // over-read past the end is as visible to a sanitizer here as there.
      std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
      LLVMFuzzerTestOneInput(data.data(), data.size());
      ++count;
      if (max_rss_mb > 0 && peak_rss_mb() > max_rss_mb) {
        std::cerr << argv[0] << ": '" << file.string() << "' raised the peak resident memory to "
                  << peak_rss_mb() << " MiB, above the limit of " << max_rss_mb << " MiB\n";
        return 1;
      }
    }
  }
  std::cout << count << " inputs replayed, peak resident memory " << peak_rss_mb() << " MiB\n";
  return 0;
}
