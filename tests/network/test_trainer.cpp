// Training the network with the energy as its loss, and over-fitting it to
// one image (include/ismooth/network/{trainer,adam_optimizer,training_data}.hpp).
//
// Photos: scikit-image's sample photos (Debian's python3-skimage), the same
// the solver tests use; the cases that need them skip with a message where
// they are missing. Threads are fixed to 1 in the cases that compare runs
// (oneDNN's and the energy's reductions depend on the thread count).
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <fstream>
#include <set>

#include "cuda_test_support.hpp"
#include "ismooth/data_term.hpp"
#include "ismooth/image_io.hpp"
#include "ismooth/network/checkpoint.hpp"
#include "ismooth/network/trainer.hpp"
#include "ismooth/objective.hpp"
#include "network_test_support.hpp"

using namespace ismooth;
using namespace ismooth::network;

namespace {

const std::filesystem::path kPhotos = "/usr/lib/python3/dist-packages/skimage/data";

/// Photos whose downsampled versions (short side 128) have no pixel with
/// E(I) = 0. The L2-mask rule "E_i(I) = 0 and E_i(T) > 0" (docs/spec/energy.md §5)
/// puts such pixels (dilated 7×7) into the L2 mask as soon as T differs from
/// I by any rounding error, which multiplies the energy of those crops and
/// would drown the effect these tests measure. The trainer itself takes any
/// photo; see the report of the trainer's README section.
const std::vector<std::string> kTrainPhotos = {"chelsea.png", "coffee.png", "rocket.jpg"};
const std::vector<std::string> kValPhotos = {"motorcycle_left.png", "motorcycle_right.png"};

bool have_photos() {
  for (const auto& list : {kTrainPhotos, kValPhotos})
    for (const auto& name : list)
      if (!std::filesystem::exists(kPhotos / name)) return false;
  return true;
}

#define REQUIRE_PHOTOS()                                                                         \
  do {                                                                                           \
    if (!have_photos()) {                                                                        \
      MESSAGE("skipped: scikit-image's sample photos are missing (" << kPhotos.string() << ")"); \
      return;                                                                                    \
    }                                                                                            \
  } while (0)

ImageSet photo_set(const std::vector<std::string>& names, int max_short_side) {
  std::vector<Image<float>> images;
  for (const auto& n : names) images.push_back(load_image(kPhotos / n));
  return ImageSet::from_images(images, names, max_short_side);
}

TrainerOptions tiny_options() {
  TrainerOptions o;
  o.config = NetworkConfig::tiny(4, {1, 2});
  o.crop = 24;
  o.epochs = 2;
  o.steps_per_epoch = 4;
  o.seed = 42;
  o.checkpoint_seconds = 0;
  return o;
}

/// A user's term, defined here and nowhere in the library: log-cosh
/// smoothness of horizontal and vertical neighbour differences d (0–255
/// scale), s²·log cosh(d/s) — quadratic (d²/2) below s grey levels, linear
/// above — averaged over the 3N values. A DifferentiableObjective through
/// Evaluate and Gradient only (objective.hpp derives the rest).
struct LogCoshSmoothness {
  double scale = 8;

  double Evaluate(const Image<float>& t) const { return accumulate(t, nullptr); }
  void Gradient(const Image<float>& t, Image<float>& g) const {
    g.resize(t.shape());
    g.fill(0.0f);
    accumulate(t, &g);
  }

 private:
  double accumulate(const Image<float>& t, Image<float>* g) const {
    const std::size_t h = t.shape()[1], w = t.shape()[2];
    const double n = double(t.size());
    double sum = 0;
    auto pair = [&](std::size_t c, std::size_t y0, std::size_t x0, std::size_t y1, std::size_t x1) {
      const double d = double(t(c, y1, x1)) - double(t(c, y0, x0));
      sum += scale * scale * std::log(std::cosh(d / scale));
      if (g != nullptr) {
        const double dd = scale * std::tanh(d / scale) / n;
        (*g)(c, y1, x1) += float(dd);
        (*g)(c, y0, x0) -= float(dd);
      }
    };
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
          if (x + 1 < w) pair(c, y, x, y, x + 1);
          if (y + 1 < h) pair(c, y, x, y + 1, x);
        }
    return sum / n;
  }
};

/// The user's objective for the crop I: the data term (T − I)² plus 4 × the
/// smoothness.
auto smoothness_objective(const Image<float>& input) {
  return WeightedSum{Weighted{1.0, DataTerm<float>(input)}, Weighted{4.0, LogCoshSmoothness{}}};
}

/// ... as the trainer's loss of a crop.
std::unique_ptr<TrainingLoss> smoothness_loss(Image<float> crop) {
  auto objective = smoothness_objective(crop);
  return make_loss(std::move(crop), std::move(objective));
}

}  // namespace

// ---------------------------------------------------------------- Adam

TEST_CASE("adam: two steps against a hand computation") {
  // One scalar θ = 1 with g1 = 0.5, then g2 = −1 (lr 0.01, β 0.9/0.999, ε 1e-8):
  //   t=1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25,
  //        θ = 1 − 0.01·0.5/(0.5 + 1e-8) = 0.99000000002
  //   t=2: m = 0.9·0.05 − 0.1 = −0.055, v = 0.999·0.00025 + 0.001 = 0.00124975,
  //        m̂ = −0.055/0.19 = −0.289473684, v̂ = 0.00124975/0.001999 = 0.625187594,
  //        θ = 0.99 + 0.01·0.289473684/0.790688051 = 0.993661049
  // A second scalar with g = 0 throughout must not move.
  Parameters p, g;
  p.add("w", {2}, 0.0f);
  p.at("w").values = {1.0f, 3.0f};
  g.add("w", {2}, 0.0f);
  AdamOptimizer adam(p, AdamSettings{});
  g.at("w").values = {0.5f, 0.0f};
  const double step1 = adam.step(p, g);
  CHECK(p.at("w").values[0] == doctest::Approx(0.99000000002).epsilon(1e-7));
  CHECK(adam.first_moment().at("w").values[0] == doctest::Approx(0.05).epsilon(1e-7));
  CHECK(adam.second_moment().at("w").values[0] == doctest::Approx(0.00025).epsilon(1e-7));
  CHECK(step1 == doctest::Approx(0.01).epsilon(1e-5));
  g.at("w").values = {-1.0f, 0.0f};
  adam.step(p, g);
  CHECK(p.at("w").values[0] == doctest::Approx(0.993661049).epsilon(1e-7));
  CHECK(adam.first_moment().at("w").values[0] == doctest::Approx(-0.055).epsilon(1e-7));
  CHECK(adam.second_moment().at("w").values[0] == doctest::Approx(0.00124975).epsilon(1e-7));
  CHECK(p.at("w").values[1] == 3.0f);
  CHECK(adam.steps() == 2);
}

TEST_CASE("adam: non-finite gradients, layouts, restore, schedules") {
  const NetworkConfig config = NetworkConfig::tiny(4, {1});
  Parameters p = initial_parameters(config, InitScheme::uniform_code, 1);
  Parameters g = p;
  AdamOptimizer adam(p, AdamSettings{});
  const Parameters before = p;
  g[0].values[3] = std::nanf("");
  CHECK(std::isnan(adam.step(p, g)));
  CHECK(p == before);
  CHECK(adam.steps() == 0);
  Parameters other = initial_parameters(NetworkConfig::tiny(8, {1}));
  CHECK_THROWS_AS(adam.step(other, other), Error);
  Parameters v = p;
  v[0].values[0] = -1.0f;
  CHECK_THROWS_WITH_AS(adam.restore(p, v, 3), doctest::Contains("second moment"), Error);
  CHECK_THROWS_AS(AdamOptimizer(p, AdamSettings{0.0}), Error);
  CHECK(scheduled_learning_rate(0.01, LearningRateSchedule::constant, 7, 10) == 0.01);
  CHECK(scheduled_learning_rate(0.01, LearningRateSchedule::cosine, 1, 10) == 0.01);
  CHECK(scheduled_learning_rate(0.01, LearningRateSchedule::cosine, 6, 10) ==
        doctest::Approx(0.005));
}

// ---------------------------------------------------------------- data

TEST_CASE("training data: area resize (hand cases)") {
  Image<float> im = make_image<float>(2, 3);
  // Row 0: 0 3 6, row 1: 3 6 9 in every channel.
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 2; ++y)
      for (std::size_t x = 0; x < 3; ++x) im(c, y, x) = float(3 * (x + y));
  const Image<float> one = resize_area(im, 1, 1);
  CHECK(one(1, 0, 0) == doctest::Approx(4.5));  // the mean
  // 3 → 2 columns: output 0 covers input 0 and half of 1: (0 + 1.5)/1.5 · ...
  const Image<float> two = resize_area(im, 1, 2);
  CHECK(two(0, 0, 0) == doctest::Approx((1.5 * 1.0 + 0.5 * 4.5) / 1.5));
  CHECK(two(0, 0, 1) == doctest::Approx((0.5 * 4.5 + 1.0 * 7.5) / 1.5));
  CHECK(resize_area(im, 2, 3) == im);
}

TEST_CASE("training data: crops are a function of (seed, step), epochs visit every image") {
  const ImageSet set = test::synthetic_set(5, 40, 30);
  SamplingOptions o{7, 5, 24, true};
  std::set<std::size_t> first_epoch;
  int flips = 0;
  for (std::int64_t s = 0; s < 200; ++s) {
    const CropSample a = sample_step(set, o, s), b = sample_step(set, o, s);
    CHECK(a.image == b.image);
    CHECK(a.y0 == b.y0);
    CHECK(a.x0 == b.x0);
    CHECK(a.flip == b.flip);
    CHECK(a.height == 24);
    CHECK(a.width == 24);
    CHECK(a.y0 + 24 <= 40);
    CHECK(a.x0 + 24 <= 30);
    if (s < 5) first_epoch.insert(a.image);
    flips += a.flip;
  }
  CHECK(first_epoch.size() == 5);  // a permutation per epoch
  CHECK(flips > 70);
  CHECK(flips < 130);
  // Another seed gives another order; another epoch another permutation.
  CHECK(epoch_order(7, 0, 0, 50) != epoch_order(8, 0, 0, 50));
  CHECK(epoch_order(7, 0, 0, 50) != epoch_order(7, 1, 0, 50));
  // Sides shorter than the crop are used whole.
  o.crop = 35;
  const CropSample big = sample_step(set, o, 3);
  CHECK(big.height == 35);
  CHECK(big.width == 30);
  CHECK(big.x0 == 0);
}

TEST_CASE("training data: a folder is read recursively, unreadable files skipped") {
  test::TempDir dir("imageset");
  std::filesystem::create_directories(dir / "sub");
  save_image(make_image<float>(20, 30, 100.0f), dir / "sub/b.png");
  save_image(make_image<float>(600, 300, 50.0f), dir / "a.PNG");
  std::ofstream(dir / "broken.jpg") << "not a jpeg";
  std::ofstream(dir / "notes.txt") << "ignored";
  std::vector<std::string> skipped;
  const ImageSet set = ImageSet::load(dir.path, 128, &skipped);
  REQUIRE(set.size() == 2);
  CHECK(set[0].name == "a.PNG");
  CHECK(set[0].width == 128);  // short side 300 → 128
  CHECK(set[0].height == 256);
  CHECK(set[0].original_height == 600);
  CHECK(set[1].name == "sub/b.png");
  CHECK(set[1].height == 20);  // small images are kept
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].find("broken.jpg") != std::string::npos);
  CHECK(set.crop(1, 2, 3, 4, 5)(0, 1, 1) == 100.0f);
  CHECK(ImageSet::load(dir.path, 64).fingerprint() != set.fingerprint());
  CHECK_THROWS_AS(ImageSet::load(dir / "missing", 128), Error);
  std::filesystem::create_directories(dir / "empty");
  CHECK_THROWS_WITH_AS(ImageSet::load(dir / "empty", 128), doctest::Contains("no readable"), Error);
}

// ---------------------------------------------------------------- training

TEST_CASE("trainer: a tiny network trained on 64x64 crops of photos lowers the validation energy") {
  REQUIRE_PHOTOS();
  const test::ThreadCount threads(1);
  const ImageSet train = photo_set(kTrainPhotos, 128);
  const ImageSet val = photo_set(kValPhotos, 128);
  TrainerOptions o;
  o.config = NetworkConfig::tiny(8, {1, 2});
  o.crop = 64;
  o.val_crop = 64;
  o.epochs = 10;
  o.steps_per_epoch = 20;
  o.adam.learning_rate = 0.001;
  o.params.gradient = GradientMode::clipped;
  o.checkpoint_seconds = 0;
  Model model;
  const Summary s = train_network(o, train, &val, &model);
  INFO(s.BriefReport());
  REQUIRE(s.termination == TerminationType::no_convergence);
  REQUIRE(s.iterations.size() == 201);
  std::vector<double> curve;
  for (const IterationRecord& r : s.iterations) {
    if (r.iteration % 20 == 0) {
      REQUIRE(r.extras.contains("val_energy"));
      curve.push_back(r.extras.at("val_energy"));
    } else {
      CHECK_FALSE(r.extras.contains("val_energy"));
    }
  }
  std::string text;
  for (double v : curve) text += " " + std::to_string(v);
  INFO("validation energy per epoch:" << text);
  // Measured: 776.2 → 770.1 (−0.8%), decreasing every epoch after the second.
  // The start is T = I exactly (zero output layer), so this is a real
  // smoothing that generalises to held-out photos, not noise removal.
  CHECK(curve.back() < 0.995 * curve.front());
  CHECK(std::stod(model.metadata.at("val_energy")) == curve.back());
}

TEST_CASE("trainer: records, the model and its metadata") {
  const test::ThreadCount threads(1);
  const ImageSet train = test::synthetic_set(3, 30, 40);
  const ImageSet val = test::synthetic_set(1, 30, 30);
  test::TempDir dir("trainer_records");
  TrainerOptions o = tiny_options();
  o.model_out = dir / "m.isn";
  int calls = 0;
  o.callback = [&](const IterationRecord& r) {
    CHECK(r.iteration == calls++);
    return CallbackReturn::continue_solving;
  };
  Model model;
  const Summary s = train_network(o, train, &val, &model);
  CHECK(s.solver == "cnn");
  CHECK(s.num_iterations() == 8);
  CHECK(calls == 9);
  CHECK(s.initial_energy == s.iterations.front().energy);
  CHECK(s.final_energy == s.iterations.back().energy);
  for (const IterationRecord& r : s.iterations) {
    CHECK(std::isfinite(r.energy));
    CHECK(r.energy == doctest::Approx(r.data + r.flatten + 0.1 * r.edge));
    CHECK(r.extras.at("epoch") == doctest::Approx(r.iteration / 4.0));
    CHECK(r.extras.contains("val_energy") == (r.iteration % 4 == 0));
    CHECK(r.gradient_norm > 0);
  }
  CHECK(s.iterations[0].step_norm == 0);
  CHECK(s.iterations[1].step_norm > 0);
  const Model file = load_model(o.model_out);
  CHECK(file.parameters == model.parameters);
  CHECK(file.config == o.config);
  CHECK(file.metadata.at("preset") == "smoothing");
  CHECK(file.metadata.at("steps") == "8");
  // The model is θ_8, whose energy on crop 8 the last record holds.
  auto net = make_network(file.config, file.parameters);
  const CropSample c = sample_step(train, SamplingOptions{42, 4, 24, true}, 8);
  const Image<float> crop = train.crop(c.image, c.y0, c.x0, c.height, c.width, c.flip);
  const auto energy = make_energy(crop, Preset::smoothing, o.params);
  CHECK(energy.Evaluate(net->infer(crop)) == doctest::Approx(s.final_energy).epsilon(1e-6));
}

TEST_CASE("trainer: interrupted and resumed runs end with the same weights as a straight run") {
  const test::ThreadCount threads(1);
  const ImageSet train = test::synthetic_set(3, 30, 40);
  const ImageSet val = test::synthetic_set(1, 30, 30);
  test::TempDir dir("trainer_resume");

  TrainerOptions straight = tiny_options();
  straight.epochs = 3;  // 12 updates, 4 per epoch
  straight.checkpoint = dir / "straight.ckpt";
  Model reference;
  const Summary full = train_network(straight, train, &val, &reference);
  REQUIRE(full.num_iterations() == 12);

  // Stops mid-epoch (3, 6), at an epoch end (8) and again mid-epoch (10),
  // through the interrupt flag and through the callback.
  TrainerOptions o = straight;
  o.checkpoint = dir / "parts.ckpt";
  std::atomic<bool> stop{false};
  o.interrupt = &stop;
  Summary last;
  Model model;
  int part = 0;
  for (int stop_at : {3, 6, 8, 10, -1}) {
    stop = false;
    o.resume = part++ > 0;
    o.callback = [&, stop_at](const IterationRecord& r) {
      if (r.iteration == stop_at && stop_at == 6) return CallbackReturn::stop_with_success;
      if (r.iteration == stop_at) stop = true;  // polled before the next step
      return CallbackReturn::continue_solving;
    };
    last = train_network(o, train, &val, &model);
    if (stop_at < 0) break;
    CHECK(last.termination != TerminationType::no_convergence);
    const TrainingCheckpoint c = load_checkpoint(o.checkpoint);
    INFO("stopped at " << stop_at << ", checkpoint at " << c.next_iteration);
    CHECK(c.next_iteration == (stop_at == 6 ? 6 : stop_at + 1));
    CHECK(c.records.size() == std::size_t(c.next_iteration));
  }
  CHECK(last.termination == TerminationType::no_convergence);
  CHECK(model.parameters == reference.parameters);  // bit-identical
  REQUIRE(last.iterations.size() == full.iterations.size());
  for (std::size_t k = 0; k < full.iterations.size(); ++k) {
    CHECK(last.iterations[k].energy == full.iterations[k].energy);
    CHECK(last.iterations[k].gradient_norm == full.iterations[k].gradient_norm);
    CHECK(last.iterations[k].step_norm == full.iterations[k].step_norm);
    CHECK(last.iterations[k].extras.contains("val_energy") ==
          full.iterations[k].extras.contains("val_energy"));
  }
  // The final checkpoint can be extended by more epochs...
  o.callback = nullptr;
  o.epochs = 4;
  const Summary longer = train_network(o, train, &val, &model);
  CHECK(longer.num_iterations() == 16);
  CHECK(longer.iterations[12].energy == full.iterations[12].energy);
}

TEST_CASE("trainer: --batch 2 applies the mean of two single-crop gradients once") {
  const test::ThreadCount threads(1);
  const ImageSet train = test::synthetic_set(3, 30, 40);
  TrainerOptions o = tiny_options();
  o.batch = 2;
  o.epochs = 1;
  o.steps_per_epoch = 1;  // one update
  Model trained;
  const Summary s = train_network(o, train, nullptr, &trained);
  REQUIRE(s.num_iterations() == 1);

  // By hand: θ0, the gradients of crops 0 and 1 of the sampling sequence
  // (one step of 2 crops: epochs of 2 crops), their mean, one Adam step.
  TrainerOptions start = o;
  start.epochs = 0;
  Model initial;
  train_network(start, train, nullptr, &initial);
  auto net = make_network(o.config, initial.parameters);
  const LossFactory loss_of = paper_loss_factory(o.preset, o.params, o.pmap);
  const SamplingOptions sampling{o.seed, 2, o.crop, o.flip};
  Parameters g[2] = {make_parameters(o.config), make_parameters(o.config)};
  double energy = 0;
  for (int j = 0; j < 2; ++j) {
    const CropSample c = sample_step(train, sampling, j);
    const auto loss = loss_of(train.crop(c.image, c.y0, c.x0, c.height, c.width, c.flip));
    bool finite = false;
    energy += net->train_pass(*loss, g[j], &finite).total;
    REQUIRE(finite);
  }
  Parameters mean = g[0];
  for (std::size_t t = 0; t < mean.size(); ++t)
    for (std::size_t i = 0; i < mean[t].size(); ++i)
      mean[t].values[i] = (g[0][t].values[i] + g[1][t].values[i]) * 0.5f;
  Parameters theta = initial.parameters;
  AdamOptimizer adam(theta, o.adam);
  adam.step(theta, mean, o.adam.learning_rate);
  CHECK(trained.parameters == theta);  // bit-identical: the same operations
  CHECK(s.iterations[0].energy == doctest::Approx(energy / 2).epsilon(1e-12));
  CHECK(s.iterations[0].gradient_norm == doctest::Approx(l2_norm(mean)).epsilon(1e-12));
  CHECK(g[0] != g[1]);  // two different crops, so the mean is not either one
}

TEST_CASE("trainer: batches resume exactly; another batch is refused; ranks must divide it") {
  const test::ThreadCount threads(1);
  const ImageSet train = test::synthetic_set(3, 30, 40);
  test::TempDir dir("trainer_batch");
  TrainerOptions o = tiny_options();
  o.batch = 3;
  o.checkpoint = dir / "straight.ckpt";
  Model reference;
  train_network(o, train, nullptr, &reference);  // 2 epochs x 4 steps of 3 crops

  o.checkpoint = dir / "parts.ckpt";
  std::atomic<bool> stop{false};
  o.interrupt = &stop;
  o.callback = [&](const IterationRecord& r) {
    if (r.iteration == 2) stop = true;
    return CallbackReturn::continue_solving;
  };
  CHECK(train_network(o, train, nullptr).termination == TerminationType::user_abort);
  CHECK(load_checkpoint(o.checkpoint).settings.at("batch") == "3");
  stop = false;
  o.callback = nullptr;
  o.resume = true;
  o.batch = 2;
  CHECK_THROWS_WITH_AS(train_network(o, train, nullptr),
                       doctest::Contains("batch: checkpoint 3, now 2"), Error);
  o.batch = 3;
  Model resumed;
  train_network(o, train, nullptr, &resumed);
  CHECK(resumed.parameters == reference.parameters);  // bit-identical

  // Without steps_per_epoch an epoch is one pass: 3 images, batch 2 -> 2 updates.
  TrainerOptions pass = tiny_options();
  pass.steps_per_epoch = 0;
  pass.epochs = 1;
  pass.batch = 2;
  CHECK(train_network(pass, train, nullptr).num_iterations() == 2);

  // Two ranks (a stand-in: the checks come before any collective) cannot
  // share 3 crops; the MPI runs themselves: tests/cli/test_train_mpi.sh.
  struct TwoRanks final : GradientReducer {
    int rank() const override { return 0; }
    int size() const override { return 2; }
    void sum(std::span<float>) override {}
    void sum(std::span<double>) override {}
    bool same_everywhere(std::uint64_t) override { return true; }
    [[noreturn]] void abort(int) override { std::abort(); }
  } two;
  pass.reducer = &two;
  pass.batch = 3;
  CHECK_THROWS_WITH_AS(train_network(pass, train, nullptr),
                       doctest::Contains("must be a multiple of the number of ranks (2)"), Error);
}

TEST_CASE("trainer: resume refuses other settings, and a missing checkpoint") {
  const test::ThreadCount threads(1);
  const ImageSet train = test::synthetic_set(2, 30, 30);
  test::TempDir dir("trainer_refuse");
  TrainerOptions o = tiny_options();
  o.epochs = 1;
  o.checkpoint = dir / "run.ckpt";
  train_network(o, train, nullptr);
  o.resume = true;
  o.seed = 43;
  CHECK_THROWS_WITH_AS(train_network(o, train, nullptr),
                       doctest::Contains("seed: checkpoint 42, now 43"), Error);
  o.seed = 42;
  o.params.lambda_e = 0.2;
  CHECK_THROWS_WITH_AS(train_network(o, train, nullptr), doctest::Contains("energy_params"), Error);
  o.params.lambda_e = 0.1;
  // Described since it was added: a resume sees another margin (the
  // checkpoint's description lacks the key, which reads as the default 0).
  o.params.zero_guidance_margin = 2;
  CHECK_THROWS_WITH_AS(train_network(o, train, nullptr),
                       doctest::Contains(",zero_guidance_margin=2"), Error);
  o.params.zero_guidance_margin = 0;
  CHECK_THROWS_WITH_AS(train_network(o, test::synthetic_set(3, 30, 30), nullptr),
                       doctest::Contains("train_images"), Error);
  o.checkpoint = dir / "none.ckpt";
  CHECK_THROWS_WITH_AS(train_network(o, train, nullptr), doctest::Contains("does not exist"),
                       Error);
  o.resume = false;
  o.preset = Preset::background;
  CHECK_THROWS_WITH_AS(train_network(o, train, nullptr), doctest::Contains("foreground mask"),
                       Error);
}

TEST_CASE("trainer: a user's own term plus the data term trains the network (no library change)") {
  const test::ThreadCount threads(1);
  const ImageSet train = test::synthetic_set(3, 48, 56);
  const ImageSet val = test::synthetic_set(2, 40, 40);
  TrainerOptions o = tiny_options();
  o.config = NetworkConfig::tiny(8, {1, 2});
  o.crop = 32;
  o.val_crop = 40;
  o.epochs = 8;
  o.steps_per_epoch = 20;
  o.adam.learning_rate = 0.01;
  o.loss = smoothness_loss;
  o.loss_name = "data + log-cosh smoothness";
  Model model;
  const Summary s = train_network(o, train, &val, &model);
  INFO(s.BriefReport());
  REQUIRE(s.termination == TerminationType::no_convergence);
  REQUIRE(s.iterations.size() == 161);
  // Terms of a user's objective are NaN (summary.hpp); the total is finite.
  for (const IterationRecord& r : s.iterations) {
    CHECK(std::isfinite(r.energy));
    CHECK(std::isnan(r.data));
    CHECK(std::isnan(r.l2_fraction));
  }
  const double first = s.iterations.front().extras.at("val_energy");
  const double last = s.iterations.back().extras.at("val_energy");
  INFO("validation objective " << first << " -> " << last);
  // T = I at the start (zero output layer): the data term is 0 and the
  // smoothness term all of it; training trades some of one for the other.
  // Measured: 247.0 -> 184.4 (0.747).
  CHECK(first > 1);
  CHECK(last < 0.85 * first);
  // The model's own output on a validation crop, scored by the same loss.
  CHECK(model.metadata.at("loss") == o.loss_name);
  CHECK_FALSE(model.metadata.contains("energy_params"));
  auto net = make_network(model.config, model.parameters);
  const auto loss = smoothness_loss(val.image(0));
  const double identity = loss->evaluate(val.image(0), nullptr).total;
  CHECK(loss->evaluate(net->infer(val.image(0)), nullptr).total < 0.9 * identity);
  // The loss's name is the run's identity on resume.
  o.loss_name.clear();
  CHECK_THROWS_WITH_AS(train_network(o, train, &val), doctest::Contains("loss_name"), Error);
}

// ---------------------------------------------------------------- over-fitting

TEST_CASE("overfit: a user's objective (data term + log-cosh smoothness) goes down") {
  const test::ThreadCount threads(1);
  const ImageSet set = test::synthetic_set(1, 24, 28);
  const Image<float> input = set.image(0);
  const auto objective = smoothness_objective(input);
  OverfitOptions o;
  o.config = NetworkConfig::tiny(8, {1, 2});
  o.adam.learning_rate = 0.02;
  o.max_iterations = 200;
  Image<float> output;
  const Summary s = overfit_network(o, input, objective, output);
  INFO(s.BriefReport());
  REQUIRE(s.num_iterations() == 200);
  CHECK(s.initial_energy == doctest::Approx(ismooth::evaluate(objective, input)).epsilon(1e-9));
  CHECK(s.final_energy < 0.85 * s.initial_energy);  // measured 278.7 -> 208.5 (0.748)
  CHECK(ismooth::evaluate(objective, output) == doctest::Approx(s.final_energy).epsilon(1e-9));
  CHECK(std::isnan(s.iterations.back().flatten));
}

TEST_CASE("overfit: a network fitted to one photo reaches well below E(T = I)") {
  REQUIRE_PHOTOS();
  const test::ThreadCount threads(1);
  const Image<float> photo = load_image(kPhotos / "chelsea.png");
  Image<float> crop = make_image<float>(64, 64);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t y = 0; y < 64; ++y)
      for (std::size_t x = 0; x < 64; ++x) crop(c, y, x) = photo(c, 60 + y, 150 + x);
  EnergyParams params = preset_params(Preset::smoothing);
  params.gradient = GradientMode::clipped;  // the authors' training gradient
  const auto energy = make_energy(crop, Preset::smoothing, params);
  const double identity = energy.Evaluate(crop);
  OverfitOptions o;
  o.config = NetworkConfig::tiny(32, {1, 2, 4, 1});
  o.adam.learning_rate = 0.003;
  o.schedule = LearningRateSchedule::cosine;
  o.max_iterations = 800;
  Image<float> output;
  Parameters weights;
  const Summary s = overfit_network(o, energy, output, &weights);
  INFO(s.BriefReport() << "; E(T = I) = " << identity);
  CHECK(s.solver == "cnn-overfit");
  CHECK(s.num_iterations() == 800);
  // The zero output layer starts at T = I exactly.
  CHECK(s.initial_energy == doctest::Approx(identity).epsilon(1e-9));
  // Measured 0.458 (the per-image Adam reaches about 0.35 on such crops).
  CHECK(s.final_energy < 0.6 * identity);
  CHECK(energy.Evaluate(output) == doctest::Approx(s.final_energy).epsilon(1e-9));
  auto net = make_network(o.config, weights);
  const Image<float> again = net->infer(crop);
  CHECK(std::equal(again.begin(), again.end(), output.begin()));
}

TEST_CASE("overfit: records like the per-image solvers, interrupts, options") {
  const test::ThreadCount threads(1);
  const ImageSet set = test::synthetic_set(1, 20, 24);
  const auto energy =
      make_energy(set.image(0), Preset::smoothing, preset_params(Preset::smoothing));
  OverfitOptions o;
  o.config = NetworkConfig::tiny(4, {1});
  o.max_iterations = 5;
  Image<float> output;
  Summary s = overfit_network(o, energy, output);
  REQUIRE(s.iterations.size() == 6);
  for (int k = 0; k <= 5; ++k) CHECK(s.iterations[std::size_t(k)].iteration == k);
  CHECK(s.iterations[0].step_norm == 0);
  CHECK(s.iterations[1].step_norm > 0);
  CHECK(s.iterations[2].energy_change ==
        doctest::Approx(s.iterations[1].energy - s.iterations[2].energy));
  std::atomic<bool> stop{true};
  o.interrupt = &stop;
  s = overfit_network(o, energy, output);
  CHECK(s.termination == TerminationType::user_abort);
  CHECK(s.iterations.size() == 1);
  o.max_iterations = -1;
  CHECK_THROWS_AS(overfit_network(o, energy, output), Error);
}

TEST_CASE("trainer: GPU training (--device cuda) lowers the validation energy like the CPU") {
  ISMOOTH_REQUIRE_CUDA();
  const test::ThreadCount threads(1);
  const ImageSet train = test::synthetic_set(3, 80, 96);
  const ImageSet val = test::synthetic_set(2, 64, 64);
  TrainerOptions o;
  o.config = NetworkConfig::tiny(8, {1, 2});
  o.crop = 48;
  o.val_crop = 64;
  o.epochs = 5;
  o.steps_per_epoch = 10;
  o.adam.learning_rate = 0.001;
  o.params.gradient = GradientMode::clipped;
  o.checkpoint_seconds = 0;
  const Summary cpu = train_network(o, train, &val);
  o.engine.kind = EngineKind::cuda;
  const Summary gpu = train_network(o, train, &val);
  INFO("cpu: " << cpu.BriefReport() << "\ngpu: " << gpu.BriefReport());
  REQUIRE(gpu.termination == TerminationType::no_convergence);
  REQUIRE(gpu.iterations.size() == cpu.iterations.size());
  // Step 0 runs the same weights on the same crop: same energy, and the
  // same validation energy.
  CHECK(gpu.iterations[0].energy == doctest::Approx(cpu.iterations[0].energy).epsilon(1e-5));
  CHECK(gpu.iterations[0].extras.at("val_energy") ==
        doctest::Approx(cpu.iterations[0].extras.at("val_energy")).epsilon(1e-5));
  std::vector<double> g, c;
  for (std::size_t k = 0; k < gpu.iterations.size(); k += 10) {
    g.push_back(gpu.iterations[k].extras.at("val_energy"));
    c.push_back(cpu.iterations[k].extras.at("val_energy"));
  }
  std::string text;
  for (std::size_t k = 0; k < g.size(); ++k)
    text += " " + std::to_string(c[k]) + "/" + std::to_string(g[k]);
  MESSAGE("validation energy per epoch, cpu/gpu:" << text);
  CHECK(g.back() < g.front());
  // The runs drift apart by rounding only: the same descent within 2%.
  CHECK(g.back() == doctest::Approx(c.back()).epsilon(0.02));
}
