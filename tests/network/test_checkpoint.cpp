// Training checkpoints (include/ismooth/network/checkpoint.hpp): round trip,
// atomic writes, and clear errors for damaged files.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <iterator>

#include "ismooth/network/checkpoint.hpp"
#include "ismooth/network/model_file.hpp"
#include "network_test_support.hpp"

using namespace ismooth;
using namespace ismooth::network;

namespace {

TrainingCheckpoint sample_checkpoint() {
  TrainingCheckpoint c;
  c.config = NetworkConfig::tiny(4, {1, 2});
  c.parameters = initial_parameters(c.config, InitScheme::uniform_code, 7);
  c.adam_m = c.parameters;
  c.adam_v = c.parameters;
  test::randomise(c.adam_m, 11);
  for (NamedTensor& t : c.adam_v)
    for (float& v : t.values) v = std::abs(v) * 1e-3f;
  c.adam_steps = 5;
  c.next_iteration = 5;
  c.seconds = 12.5;
  c.last_step_norm = 0.125;
  c.settings = {{"seed", "3"}, {"preset", "smoothing"}, {"empty", ""}};
  for (int k = 0; k < 5; ++k) {
    IterationRecord r;
    r.iteration = k;
    r.energy = 1000.0 / (k + 1);
    r.data = 0.5 * k;
    r.flatten = 900.0 / (k + 1);
    r.edge = 3.25;
    r.l2_fraction = 0.01 * k;
    r.energy_change = k == 0 ? 0.0 : 1.0 / k;
    r.gradient_norm = std::nan("");  // NaN must survive the round trip
    r.step_norm = 1e-300;
    r.seconds = 0.1 * k;
    r.extras["epoch"] = k / 4.0;
    if (k % 4 == 0) r.extras["val_energy"] = 777.0 + k;
    c.records.push_back(r);
  }
  return c;
}

std::vector<char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& p, const std::vector<char>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace

TEST_CASE("checkpoint: round trip keeps every field bit for bit") {
  test::TempDir dir("ckpt");
  const TrainingCheckpoint c = sample_checkpoint();
  save_checkpoint(dir / "run.ckpt", c);
  const TrainingCheckpoint back = load_checkpoint(dir / "run.ckpt");
  CHECK(back.config == c.config);
  CHECK(back.parameters == c.parameters);
  CHECK(back.adam_m == c.adam_m);
  CHECK(back.adam_v == c.adam_v);
  CHECK(back.adam_steps == 5);
  CHECK(back.next_iteration == 5);
  CHECK(back.seconds == 12.5);
  CHECK(back.last_step_norm == 0.125);
  CHECK(back.settings == c.settings);
  REQUIRE(back.records.size() == c.records.size());
  for (std::size_t k = 0; k < c.records.size(); ++k) {
    const IterationRecord &a = c.records[k], &b = back.records[k];
    CHECK(b.iteration == a.iteration);
    CHECK(b.energy == a.energy);
    CHECK(b.data == a.data);
    CHECK(b.flatten == a.flatten);
    CHECK(b.edge == a.edge);
    CHECK(b.l2_fraction == a.l2_fraction);
    CHECK(b.energy_change == a.energy_change);
    CHECK(std::isnan(b.gradient_norm));
    CHECK(b.step_norm == a.step_norm);
    CHECK(b.seconds == a.seconds);
    CHECK(b.extras == a.extras);
  }
  // Saving again over it works and leaves no temporary files behind.
  save_checkpoint(dir / "run.ckpt", back);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
    ++files;
    CHECK(entry.path().filename() == "run.ckpt");
  }
  CHECK(files == 1);
  CHECK(read_bytes(dir / "run.ckpt") == [&] {
    save_checkpoint(dir / "again.ckpt", c);
    return read_bytes(dir / "again.ckpt");
  }());
}

TEST_CASE("checkpoint: damaged files give clear errors") {
  test::TempDir dir("ckpt_bad");
  const auto good = dir / "good.ckpt";
  save_checkpoint(good, sample_checkpoint());
  const std::vector<char> bytes = read_bytes(good);
  REQUIRE(bytes.size() > 1000);

  CHECK_THROWS_WITH_AS(load_checkpoint(dir / "missing.ckpt"), doctest::Contains("does not exist"),
                       Error);
  SUBCASE("truncated") {
    for (std::size_t keep : {std::size_t(0), std::size_t(10), bytes.size() / 2, bytes.size() - 1}) {
      write_bytes(dir / "cut.ckpt", std::vector<char>(bytes.begin(), bytes.begin() + keep));
      INFO("kept " << keep << " of " << bytes.size() << " bytes");
      CHECK_THROWS_AS(load_checkpoint(dir / "cut.ckpt"), Error);
    }
    write_bytes(dir / "cut.ckpt",
                std::vector<char>(bytes.begin(), bytes.begin() + bytes.size() / 2));
    CHECK_THROWS_WITH_AS(load_checkpoint(dir / "cut.ckpt"), doctest::Contains("truncated"), Error);
  }
  SUBCASE("one flipped byte in the weights") {
    std::vector<char> bad = bytes;
    bad[bad.size() / 2] ^= 0x10;
    write_bytes(dir / "flip.ckpt", bad);
    CHECK_THROWS_WITH_AS(load_checkpoint(dir / "flip.ckpt"), doctest::Contains("corrupted"), Error);
  }
  SUBCASE("trailing bytes") {
    std::vector<char> bad = bytes;
    bad.push_back('x');
    write_bytes(dir / "tail.ckpt", bad);
    CHECK_THROWS_AS(load_checkpoint(dir / "tail.ckpt"), Error);
  }
  SUBCASE("not a checkpoint: a model file, text") {
    Model m{NetworkConfig::tiny(4, {1, 2}), initial_parameters(NetworkConfig::tiny(4, {1, 2})), {}};
    save_model(dir / "model.isn", m);
    CHECK_THROWS_WITH_AS(load_checkpoint(dir / "model.isn"), doctest::Contains("bad magic"), Error);
    write_bytes(dir / "text.ckpt", {'h', 'e', 'l', 'l', 'o'});
    CHECK_THROWS_WITH_AS(load_checkpoint(dir / "text.ckpt"), doctest::Contains("bad magic"), Error);
  }
  SUBCASE("a newer version") {
    std::vector<char> bad = bytes;
    bad[8] = 2;  // version u32 little-endian at offset 8
    write_bytes(dir / "v2.ckpt", bad);
    CHECK_THROWS_WITH_AS(load_checkpoint(dir / "v2.ckpt"), doctest::Contains("version 2"), Error);
  }
  SUBCASE("from memory, and two dimensions whose product wraps around") {
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    CHECK(parse_checkpoint(data, bytes.size(), "memory").records.size() ==
          sample_checkpoint().records.size());
    const std::vector<char> wrap = read_bytes(std::filesystem::path(ISMOOTH_NETWORK_TEST_DIR) /
                                              "../fuzz/regressions/model/tensor_size_wraps.ckpt");
    CHECK_THROWS_WITH_AS(
        parse_checkpoint(reinterpret_cast<const unsigned char*>(wrap.data()), wrap.size(), "wrap"),
        doctest::Contains("impossible size"), Error);
  }
}

TEST_CASE("checkpoint: save refuses tensors that do not fit the configuration") {
  test::TempDir dir("ckpt_layout");
  TrainingCheckpoint c = sample_checkpoint();
  c.adam_v = initial_parameters(NetworkConfig::tiny(8, {1, 2}));
  CHECK_THROWS_WITH_AS(save_checkpoint(dir / "x.ckpt", c), doctest::Contains("second moment"),
                       Error);
  CHECK_FALSE(std::filesystem::exists(dir / "x.ckpt"));
}
