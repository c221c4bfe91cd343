// Runs a libFuzzer target's LLVMFuzzerTestOneInput over files, without
// libFuzzer: the CTest replay of the seed corpus and the regression inputs in
// the normal (gcc, release) build. See docs/fuzzing.md.
//
// Usage: fuzz_replay_<target> PATH...   (files, or folders read recursively)
// Exits 0 when every input was handled; an input that makes the target crash
// or throw something other than ismooth::Error ends the process abnormally,
// and the last "replaying" line names it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "Usage: " << argv[0] << " PATH...\n";
    return 2;
  }
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
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
    }
  }
  std::cout << count << " inputs replayed\n";
  return 0;
}
