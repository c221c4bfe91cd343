// Summary → CSV and JSON (summary_io.hpp): the formats the tool writes, read
// back. The JSON is parsed by a small reader here (the core has no JSON
// library) that accepts only what JSON allows, so an unquoted nan or inf
// fails the test.
#include <doctest/doctest.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <limits>
#include <map>
#include <variant>

#include "ismooth/summary_io.hpp"

namespace {

using namespace ismooth;

// ---------------------------------------------------------------- a JSON reader

struct Json;
using JsonObject = std::vector<std::pair<std::string, Json>>;
using JsonArray = std::vector<Json>;
struct Json {
  std::variant<std::nullptr_t, double, std::string, JsonArray, JsonObject> value;
  const Json& operator[](const std::string& key) const {
    for (const auto& [k, v] : std::get<JsonObject>(value))
      if (k == key) return v;
    FAIL("no key " << key);
    return *this;
  }
  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value); }
  double number() const { return std::get<double>(value); }
  const std::string& text() const { return std::get<std::string>(value); }
};

class JsonReader {
 public:
  explicit JsonReader(const std::string& text) : s_(text) {}
  Json document() {
    Json j = value();
    skip();
    REQUIRE(k_ == s_.size());
    return j;
  }

 private:
  void skip() {
    while (k_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[k_]))) ++k_;
  }
  void expect(char c) {
    skip();
    REQUIRE(k_ < s_.size());
    REQUIRE(s_[k_] == c);
    ++k_;
  }
  Json value() {
    skip();
    REQUIRE(k_ < s_.size());
    const char c = s_[k_];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') return {string()};
    if (s_.compare(k_, 4, "null") == 0) {
      k_ += 4;
      return {nullptr};
    }
    REQUIRE((c == '-' || std::isdigit(static_cast<unsigned char>(c))));
    std::size_t used = 0;
    const double v = std::stod(s_.substr(k_), &used);
    k_ += used;
    return {v};
  }
  std::string string() {
    expect('"');
    std::string out;
    while (s_[k_] != '"') {
      if (s_[k_] == '\\') {
        ++k_;
        if (s_[k_] == 'u') {
          out += char(std::stoi(s_.substr(k_ + 1, 4), nullptr, 16));
          k_ += 5;
          continue;
        }
      }
      REQUIRE(static_cast<unsigned char>(s_[k_]) >= 0x20);
      out += s_[k_++];
    }
    ++k_;
    return out;
  }
  Json object() {
    expect('{');
    JsonObject o;
    skip();
    if (s_[k_] == '}') return ++k_, Json{o};
    for (;;) {
      std::string key = string();
      expect(':');
      o.emplace_back(std::move(key), value());
      skip();
      if (s_[k_] == '}') return ++k_, Json{o};
      expect(',');
    }
  }
  Json array() {
    expect('[');
    JsonArray a;
    skip();
    if (s_[k_] == ']') return ++k_, Json{a};
    for (;;) {
      a.push_back(value());
      skip();
      if (s_[k_] == ']') return ++k_, Json{a};
      expect(',');
    }
  }
  const std::string& s_;
  std::size_t k_ = 0;
};

// ---------------------------------------------------------------- a summary

Summary example_summary() {
  Summary s;
  s.solver = "adam";
  s.termination = TerminationType::no_convergence;
  s.message = "reached max_iterations = 2, \"quoted\"\nnext line";
  s.seconds = 0.25;
  for (int k = 0; k < 3; ++k) {
    IterationRecord r;
    r.iteration = k;
    r.energy = 100.0 / (k + 1) + 1.0 / 3.0;
    r.data = 0.1 * k;
    r.flatten = r.energy - r.data;
    r.l2_fraction = 0.125 * k;
    r.energy_change = k ? 1.5 : 0;
    r.gradient_norm = k == 1 ? std::numeric_limits<double>::quiet_NaN() : 2.0;
    r.step_norm = k == 2 ? std::numeric_limits<double>::infinity() : 0.5;
    r.seconds = 0.01 * k;
    r.extras["learning_rate"] = 0.5;
    if (k == 2) r.extras["cg_iterations"] = 7;
    s.iterations.push_back(r);
  }
  s.initial_energy = s.iterations.front().energy;
  s.final_energy = s.iterations.back().energy;
  return s;
}

TEST_CASE("summary_json: valid JSON with every number back, non-finite as null") {
  const Summary s = example_summary();
  JsonContext context;
  context.after_solver = {{"width", "4"}, {"preset", json_string("smoothing")}};
  context.before_records = {{"output", json_string("out \\ dir/t.png")}};
  const std::string text = summary_json(s, context);
  CHECK(text.back() == '\n');
  const Json d = JsonReader(text).document();
  const auto& keys = std::get<JsonObject>(d.value);
  std::vector<std::string> names;
  for (const auto& [k, v] : keys) names.push_back(k);
  CHECK(names == std::vector<std::string>{"solver", "width", "preset", "iterations",
                                          "initial_energy", "final_energy", "termination",
                                          "message", "seconds", "returned_iteration",
                                          "best_iteration", "best_energy", "last_energy",
                                          "output", "records"});
  CHECK(d["solver"].text() == "adam");
  CHECK(d["width"].number() == 4);
  CHECK(d["output"].text() == "out \\ dir/t.png");
  CHECK(d["message"].text() == s.message);
  CHECK(d["termination"].text() == "no_convergence");
  CHECK(d["iterations"].number() == 2);
  CHECK(d["initial_energy"].number() == s.initial_energy);  // %.17g round-trips
  CHECK(d["final_energy"].number() == s.final_energy);
  const auto& records = std::get<JsonArray>(d["records"].value);
  REQUIRE(records.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    const IterationRecord& r = s.iterations[k];
    CHECK(records[k]["iteration"].number() == r.iteration);
    CHECK(records[k]["energy"].number() == r.energy);
    CHECK(records[k]["flatten"].number() == r.flatten);
    CHECK(records[k]["learning_rate"].number() == 0.5);
  }
  CHECK(records[1]["gradient_norm"].is_null());
  CHECK(records[2]["step_norm"].is_null());
  CHECK(records[2]["cg_iterations"].number() == 7);
}

TEST_CASE("summary_csv: header, rows, and the comment line parse back") {
  const Summary s = example_summary();
  SummaryCsvOptions options;
  options.comment_line = true;
  const std::string text = summary_csv(s, options);
  CHECK(text.rfind("# adam,no_convergence,reached max_iterations = 2; \"quoted\" next line,0.25,2\n"
                   "iteration,energy,data,flatten,edge,l2_fraction,energy_change,gradient_norm,"
                   "step_norm,seconds,cg_iterations,learning_rate\n",
                   0) == 0);
  const Summary back = parse_summary_csv(text, "example");
  CHECK(back.solver == "adam");
  CHECK(back.termination == TerminationType::no_convergence);
  CHECK(back.seconds == 0.25);
  REQUIRE(back.iterations.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(back.iterations[k].energy == s.iterations[k].energy);
    CHECK(back.iterations[k].l2_fraction == s.iterations[k].l2_fraction);
    CHECK(back.iterations[k].extras == s.iterations[k].extras);
  }
  CHECK(std::isnan(back.iterations[1].gradient_norm));
  CHECK(std::isinf(back.iterations[2].step_norm));
  CHECK(back.final_energy == s.final_energy);
  CHECK_THROWS_AS(parse_summary_csv("iteration,energy\n", "plain"), Error);
}

TEST_CASE("summary_csv: fixed extras and precision, as a live log writes them") {
  const Summary s = example_summary();
  SummaryCsvOptions options;
  options.precision = 4;
  options.extras = std::vector<std::string>{"learning_rate", "val_energy"};
  const std::string text = summary_csv(s, options);
  CHECK(text.rfind(record_csv_header({"learning_rate", "val_energy"}), 0) == 0);
  // Row 0: 100 + 1/3 with 4 digits, the missing extra an empty cell.
  CHECK(text.find("\n0,100.3,0,100.3,0,0,0,2,0.5,0,0.5,\n") != std::string::npos);
  CHECK(csv_number(-std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(csv_number(1.0 / 3.0) == "0.33333333333333331");
}

TEST_CASE("Summary round trip: returned and best iterations, per-part extras, files") {
  Summary s = example_summary();
  s.solver = "irls";
  s.iterations[1].extras["term:paper"] = 12.5;
  s.iterations[1].extras["term:tv"] = 0.75;
  s.iterations[2].energy = 80;  // a rise: iteration 1 (50.33) is the best
  s.returned_iteration = 1;
  s.final_energy = s.iterations[1].energy;
  s.set_best_from_records();
  CHECK(s.best_iteration == 1);
  CHECK(s.best_energy == s.iterations[1].energy);

  const auto dir = std::filesystem::temp_directory_path() / "ismooth_test_summary_io";
  std::filesystem::create_directories(dir);
  SummaryCsvOptions options;
  options.comment_line = true;
  write_summary_csv(dir / "s.csv", s, options);
  write_summary_json(dir / "s.json", s);
  auto read = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  const Summary back = parse_summary_csv(read(dir / "s.csv"), "s.csv");
  CHECK(back.solver == "irls");
  CHECK(back.returned_iteration == 1);
  CHECK(back.final_energy == s.final_energy);
  CHECK(back.best_iteration == 1);
  CHECK(back.best_energy == s.best_energy);
  REQUIRE(back.iterations.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(back.iterations[k].energy == s.iterations[k].energy);
    CHECK(back.iterations[k].extras == s.iterations[k].extras);
  }
  CHECK(read(dir / "s.json") == summary_json(s));
  const Json d = JsonReader(read(dir / "s.json")).document();
  CHECK(d["returned_iteration"].number() == 1);
  CHECK(d["final_energy"].number() == s.iterations[1].energy);
  CHECK(d["last_energy"].number() == 80);
  CHECK(d["best_energy"].number() == s.iterations[1].energy);
  CHECK(std::get<JsonArray>(d["records"].value)[1]["term:tv"].number() == 0.75);
  // A comment line without returned_iteration (older files): the last record.
  const std::string old = "# adam,convergence,done,1\n" + record_csv_header() + "0,5,0,0,0,0,0,0,0,0\n" +
                          "1,4,0,0,0,0,0,0,0,0\n";
  const Summary o = parse_summary_csv(old, "old");
  CHECK(o.final_energy == 4);
  CHECK(o.resolved_returned_iteration() == 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
