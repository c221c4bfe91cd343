// The model file: round trip, and a clear ismooth::Error for every kind of
// bad file (missing, wrong magic, other version, truncated, corrupted,
// trailing bytes, configuration mismatch).
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "ismooth/network/model_file.hpp"
#include "network_test_support.hpp"

namespace {

using namespace ismooth::network;
using namespace ismooth::test;

std::vector<char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& p, const std::vector<char>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

Model tiny_model() {
  Model m;
  m.config = NetworkConfig::tiny(8, {2, 4});
  m.config.residual_image = false;
  m.parameters = initial_parameters(m.config, InitScheme::uniform_code, 5);
  m.metadata = {{"preset", "smoothing / stylization"}, {"epochs", "30"}};
  return m;
}

// Rewrites the trailing CRC so that an edited file passes the checksum.
void fix_checksum(std::vector<char>& bytes) {
  const std::uint32_t crc = crc32(bytes.data(), bytes.size() - 4);
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = char((crc >> (8 * i)) & 0xFF);
}

}  // namespace

TEST_CASE("model file: crc32 is zlib's") {
  const char* check = "123456789";
  CHECK(crc32(check, 9) == 0xCBF43926u);
  CHECK(crc32(check + 4, 5, crc32(check, 4)) == 0xCBF43926u);
}

TEST_CASE("model file: round trip, atomic save") {
  TempDir dir("model");
  const Model m = tiny_model();
  save_model(dir / "tiny.isn", m);
  const Model back = load_model(dir / "tiny.isn");
  CHECK(back.config == m.config);
  CHECK(back.parameters == m.parameters);
  CHECK(back.metadata == m.metadata);
  CHECK(load_model(dir / "tiny.isn", m.config).parameters == m.parameters);
  // No temporary left behind; overwriting works.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path)) ++files;
  CHECK(files == 1);
  Model other = m;
  other.parameters.at("conv1.weight").values[0] = 42.0f;
  save_model(dir / "tiny.isn", other);
  CHECK(load_model(dir / "tiny.isn").parameters.at("conv1.weight").values[0] == 42.0f);
  // The paper's network: 26 layers, about 3.7 MB.
  Model paper;
  paper.parameters = initial_parameters(paper.config);
  save_model(dir / "paper.isn", paper);
  CHECK(load_model(dir / "paper.isn").parameters == paper.parameters);
  CHECK(std::filesystem::file_size(dir / "paper.isn") > 3'600'000);
}

TEST_CASE("model file: bad files give clear errors") {
  TempDir dir("model_bad");
  const auto path = dir / "m.isn";
  save_model(path, tiny_model());
  const std::vector<char> good = read_bytes(path);

  CHECK_THROWS_WITH_AS(load_model(dir / "missing.isn"), doctest::Contains("does not exist"),
                       ismooth::Error);

  std::vector<char> bytes = good;
  bytes[1] = 'X';
  write_bytes(path, bytes);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("bad magic"), ismooth::Error);
  write_bytes(path, {'h', 'i'});
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("bad magic"), ismooth::Error);

  bytes = good;
  bytes[8] = 2;  // version 2
  fix_checksum(bytes);
  write_bytes(path, bytes);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("version 2"), ismooth::Error);

  for (std::size_t keep :
       {std::size_t(12), std::size_t(40), good.size() / 2, good.size() - 4, good.size() - 1}) {
    CAPTURE(keep);
    write_bytes(path, std::vector<char>(good.begin(), good.begin() + std::ptrdiff_t(keep)));
    CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("truncated"), ismooth::Error);
  }

  bytes = good;
  bytes[good.size() / 2] ^= 0x10;  // a flipped bit in some weight
  write_bytes(path, bytes);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("checksum mismatch"), ismooth::Error);

  bytes = good;
  bytes.insert(bytes.end() - 4, {0, 0, 0, 0});
  fix_checksum(bytes);
  write_bytes(path, bytes);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("unexpected bytes"), ismooth::Error);

  write_bytes(path, good);
  CHECK_NOTHROW(load_model(path));
  CHECK_THROWS_WITH_AS(load_model(path, NetworkConfig::tiny(8, {2, 4})),
                       doctest::Contains("was expected"), ismooth::Error);

  // Configuration and tensors that disagree (width 8 stored, tensors of 8,
  // but the stored width edited to 16): a mismatch, not a crash.
  bytes = good;
  bytes[12] = 16;
  fix_checksum(bytes);
  write_bytes(path, bytes);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("expects"), ismooth::Error);

  // Parameters that do not fit the configuration are refused on save.
  Model bad = tiny_model();
  bad.config.width = 16;
  CHECK_THROWS_AS(save_model(dir / "bad.isn", bad), ismooth::Error);
  CHECK(!std::filesystem::exists(dir / "bad.isn"));
}

TEST_CASE("model file: parse_model reads bytes as load_model reads the file") {
  TempDir dir("model_parse");
  const auto path = dir / "m.isn";
  save_model(path, tiny_model());
  const std::vector<char> good = read_bytes(path);
  const auto* data = reinterpret_cast<const unsigned char*>(good.data());
  const Model m = parse_model(data, good.size(), "in memory");
  CHECK(m.parameters == tiny_model().parameters);
  CHECK(m.metadata == tiny_model().metadata);
  CHECK_THROWS_WITH_AS(parse_model(data, good.size() - 1, "in memory"),
                       doctest::Contains("'in memory'"), ismooth::Error);
  CHECK_THROWS_WITH_AS(parse_model(nullptr, 0, "nothing"), doctest::Contains("bad magic"),
                       ismooth::Error);
}

TEST_CASE("model file: dimensions whose product wraps around are refused") {
  // Found by reading the parser for the fuzz target (tests/fuzz): eight
  // dimensions of 256 each pass the per-dimension bound of a 1 KiB file, but
  // their product is 2^64, which wrapped to zero values.
  std::vector<char> bytes = read_bytes(std::filesystem::path(ISMOOTH_NETWORK_TEST_DIR) /
                                       "../fuzz/regressions/model/tensor_size_wraps.model");
  REQUIRE(bytes.size() > 1000);
  CHECK_THROWS_WITH_AS(
      parse_model(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), "wrap"),
      doctest::Contains("impossible size"), ismooth::Error);
}
