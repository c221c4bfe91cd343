// Atomic writes and their temporaries (ismooth/atomic_file.hpp).
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "ismooth/atomic_file.hpp"

namespace fs = std::filesystem;

namespace {

struct TempFolder {
  fs::path path;
  TempFolder() {
    path = fs::temp_directory_path() / ("ismooth-atomic-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string contents(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("write_atomically: the target holds the data, no temporary is left") {
  TempFolder dir;
  const fs::path target = dir.path / "a.png";
  const std::string data = "not really a png";
  ismooth::write_atomically(target, data.data(), data.size());
  CHECK(contents(target) == data);
  ismooth::write_atomically(target, "x", 1, ismooth::Durability::fsync);
  CHECK(contents(target) == "x");
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
  CHECK_THROWS_WITH_AS(ismooth::write_atomically(dir.path / "no" / "b.png", "x", 1),
                       doctest::Contains("is not an existing directory"), ismooth::Error);
}

TEST_CASE("temporary names: never an image extension, recognised by name") {
  CHECK(ismooth::is_temporary_file("out/a.png.ismooth-tmp-12-0"));
  CHECK_FALSE(ismooth::is_temporary_file("out/a.png"));
  CHECK_FALSE(ismooth::is_temporary_file("out.ismooth-tmp-1-0/a.png"));  // the file name only
  CHECK(fs::path("a.png.ismooth-tmp-12-0").extension() == ".ismooth-tmp-12-0");
}

TEST_CASE("remove_temporary_files unlinks registered temporaries, and only those") {
  TempFolder dir;
  const fs::path registered = dir.path / "a.png.ismooth-tmp-1-0";
  const fs::path released = dir.path / "b.png.ismooth-tmp-1-1";
  std::ofstream(registered) << "x";
  std::ofstream(released) << "y";
  { const ismooth::detail::RegisteredTemporary gone(released); }
  const ismooth::detail::RegisteredTemporary kept(registered);
  ismooth::remove_temporary_files();
  CHECK_FALSE(fs::exists(registered));
  CHECK(fs::exists(released));
}
