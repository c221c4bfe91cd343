#pragma once
/// \file
/// A Summary (summary.hpp) as text: the CSV and JSON that `ismooth solve
/// --trace/--json`, `ismooth train --log` and the experiment drivers write,
/// and the CSV read back. One writer, so a trace plotted by one tool reads
/// the same in another.
///
/// CSV: a header line `iteration,energy,data,flatten,edge,l2_fraction,
/// energy_change,gradient_norm,step_norm,seconds`, then the names of the
/// extra columns (IterationRecord::extras), then one row per record.
/// Numbers are printf `%.*g` with SummaryCsvOptions::precision significant
/// digits (17 round-trips a double); NaN is written `nan` whatever its sign
/// bit, infinities `inf` / `-inf`; an extra a record lacks is an empty cell.
/// With SummaryCsvOptions::comment_line the first line is
/// `# solver,termination,message,seconds,returned_iteration` (commas and
/// newlines in the solver name and message replaced), which
/// parse_summary_csv needs to rebuild the Summary (it also reads the older
/// line without returned_iteration).
///
/// JSON: one object, always valid JSON: non-finite numbers are written as
/// `null`, strings escaped. Keys, in order: `solver`, the caller's
/// JsonContext::after_solver fields, `iterations` (Summary::num_iterations),
/// `initial_energy`, `final_energy` (of the returned iterate), `termination`,
/// `message`, `seconds`, `returned_iteration`, `best_iteration`,
/// `best_energy`, `last_energy` (the last record's), the caller's
/// JsonContext::before_records fields, then `records`: one object per record
/// with the CSV's column names and every extra. Layout: the summary on the
/// first line, each record on its own line, a final newline.
///
/// Files: write_summary_csv / write_summary_json write them atomically
/// (atomic_file.hpp), and `plot_trace.py` (installed to share/ismooth, in
/// experiments/scripts/ here) plots one or more such CSVs.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ismooth/atomic_file.hpp"
#include "ismooth/error.hpp"
#include "ismooth/summary.hpp"

namespace ismooth {

/// The standard record columns of every CSV, in IterationRecord order.
inline constexpr const char* kRecordCsvColumns =
    "iteration,energy,data,flatten,edge,l2_fraction,energy_change,gradient_norm,step_norm,seconds";

/// `v` as printf "%.*g" with `precision` significant digits; NaN as "nan".
inline std::string csv_number(double v, int precision = 17) {
  if (std::isnan(v)) return "nan";
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
  return buffer;
}

/// One CSV row of `r` (no newline): the standard columns, then `extras` by
/// name, an empty cell where `r` lacks one.
inline std::string record_csv_row(const IterationRecord& r,
                                  const std::vector<std::string>& extras = {}, int precision = 17) {
  std::string row = std::to_string(r.iteration);
  for (double v : {r.energy, r.data, r.flatten, r.edge, r.l2_fraction, r.energy_change,
                   r.gradient_norm, r.step_norm, r.seconds})
    row += "," + csv_number(v, precision);
  for (const auto& key : extras) {
    const auto it = r.extras.find(key);
    row += "," + (it == r.extras.end() ? std::string() : csv_number(it->second, precision));
  }
  return row;
}

/// The CSV header line (with its newline) for these extra columns.
inline std::string record_csv_header(const std::vector<std::string>& extras = {}) {
  std::string header = kRecordCsvColumns;
  for (const auto& key : extras) header += "," + key;
  return header + "\n";
}

/// Every extra key any record of `s` has, sorted by name.
inline std::vector<std::string> extra_keys(const Summary& s) {
  std::set<std::string> keys;
  for (const auto& r : s.iterations)
    for (const auto& [key, value] : r.extras) keys.insert(key);
  return {keys.begin(), keys.end()};
}

/// How summary_csv writes (see \file).
struct SummaryCsvOptions {
  /// Significant digits of every number; 17 round-trips a double.
  int precision = 17;
  /// The extra columns, in this order (a log written while a run goes on
  /// fixes them in advance); unset: extra_keys(summary).
  std::optional<std::vector<std::string>> extras;
  /// Start with "# solver,termination,message,seconds,returned_iteration"
  /// (for parse_summary_csv).
  bool comment_line = false;
};

namespace detail {

/// `s` fit for one cell of the comment line: no commas, no line breaks.
inline std::string csv_cell_text(std::string s) {
  std::replace(s.begin(), s.end(), ',', ';');
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

}  // namespace detail

/// The CSV of `s` (see \file): header, then one row per record.
inline std::string summary_csv(const Summary& s, const SummaryCsvOptions& options = {}) {
  const std::vector<std::string> extras = options.extras ? *options.extras : extra_keys(s);
  std::string out;
  if (options.comment_line)
    out = "# " + detail::csv_cell_text(s.solver) + "," + to_string(s.termination) + "," +
          detail::csv_cell_text(s.message) + "," + csv_number(s.seconds) + "," +
          std::to_string(s.resolved_returned_iteration()) + "\n";
  out += record_csv_header(extras);
  for (const auto& r : s.iterations) out += record_csv_row(r, extras, options.precision) + "\n";
  return out;
}

/// The Summary of a CSV written by summary_csv with `comment_line`: solver,
/// termination, message, seconds, the returned iteration and every record
/// with its extras; the initial energy is the first record's, the final one
/// the returned iteration's (the last record's without one), the best
/// recomputed from the records. `where` names the text in errors. Throws
/// ismooth::Error for another text.
inline Summary parse_summary_csv(const std::string& text, std::string_view where) {
  std::istringstream in(text);
  std::string line;
  Summary s;
  require(bool(std::getline(in, line)) && line.rfind("# ", 0) == 0, "'", where,
          "': not a summary CSV (no '# solver,...' line)");
  const auto head = detail::split_csv_line(line.substr(2));
  s.solver = head.size() > 0 ? head[0] : "";
  s.message = head.size() > 2 ? head[2] : "";
  s.seconds = head.size() > 3 ? std::strtod(head[3].c_str(), nullptr) : 0;
  for (auto t :
       {TerminationType::convergence, TerminationType::no_convergence,
        TerminationType::user_success, TerminationType::user_abort, TerminationType::failure})
    if (head.size() > 1 && head[1] == to_string(t)) s.termination = t;
  require(bool(std::getline(in, line)), "'", where, "': no header");
  const auto columns = detail::split_csv_line(line);
  constexpr std::size_t kStandard = 10;  // the columns of kRecordCsvColumns
  require(columns.size() >= kStandard, "'", where, "': the header has ", columns.size(),
          " columns, expected at least ", kStandard);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = detail::split_csv_line(line);
    require(cells.size() == columns.size(), "'", where, "': ragged row");
    auto value = [&](std::size_t k) { return std::strtod(cells[k].c_str(), nullptr); };
    IterationRecord r;
    r.iteration = int(value(0));
    double* fields[] = {&r.energy,        &r.data,          &r.flatten,   &r.edge,   &r.l2_fraction,
                        &r.energy_change, &r.gradient_norm, &r.step_norm, &r.seconds};
    for (std::size_t k = 0; k + 1 < kStandard; ++k) *fields[k] = value(k + 1);
    for (std::size_t k = kStandard; k < columns.size(); ++k)
      if (!cells[k].empty()) r.extras[columns[k]] = value(k);
    s.iterations.push_back(std::move(r));
  }
  require(!s.iterations.empty(), "'", where, "': no records");
  s.initial_energy = s.iterations.front().energy;
  s.final_energy = s.iterations.back().energy;
  if (head.size() > 4 && !head[4].empty()) {
    s.returned_iteration = int(std::strtol(head[4].c_str(), nullptr, 10));
    for (const auto& r : s.iterations)
      if (r.iteration == s.returned_iteration) s.final_energy = r.energy;
  }
  s.set_best_from_records();
  return s;
}

/// A JSON number: "%.17g", or null for NaN and infinities.
inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

/// A JSON string: quoted, with `"`, `\` and control characters escaped.
inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

/// The caller's fields of summary_json, each value already JSON
/// (json_number, json_string, a number as text).
struct JsonContext {
  std::vector<std::pair<std::string, std::string>> after_solver;    ///< after "solver"
  std::vector<std::pair<std::string, std::string>> before_records;  ///< after "seconds"
};

/// Key/value pairs of a JSON object, each value already JSON.
using JsonFields = std::vector<std::pair<std::string, std::string>>;

/// ", \"key\": value" for each field.
inline std::string json_fields(const JsonFields& kv) {
  std::string out;
  for (const auto& [key, value] : kv) out += ", " + json_string(key) + ": " + value;
  return out;
}

/// One flat JSON object on one line, ending in a newline (`ismooth energy --json`).
inline std::string json_object(const JsonFields& kv) {
  const std::string fields = json_fields(kv);
  return "{" + (fields.empty() ? "" : fields.substr(2)) + "}\n";
}

/// The returned and best iterations of `s` as JSON fields (the best
/// recomputed from the records where s has none, e.g. a trainer's Summary).
inline JsonFields best_fields(const Summary& s) {
  Summary best;
  best.iterations = s.iterations;
  best.set_best_from_records();
  const bool has_best = std::isfinite(s.best_energy);
  const double last = s.iterations.empty() ? std::nan("") : s.iterations.back().energy;
  return {{"returned_iteration", std::to_string(s.resolved_returned_iteration())},
          {"best_iteration", std::to_string(has_best ? s.best_iteration : best.best_iteration)},
          {"best_energy", json_number(has_best ? s.best_energy : best.best_energy)},
          {"last_energy", json_number(last)}};
}

/// The JSON object of `s` (see \file), ending in a newline.
inline std::string summary_json(const Summary& s, const JsonContext& context = {}) {
  const auto& fields = json_fields;
  std::string out = "{\"solver\": " + json_string(s.solver) + fields(context.after_solver) +
                    ", \"iterations\": " + std::to_string(s.num_iterations()) +
                    ", \"initial_energy\": " + json_number(s.initial_energy) +
                    ", \"final_energy\": " + json_number(s.final_energy) +
                    ", \"termination\": " + json_string(to_string(s.termination)) +
                    ", \"message\": " + json_string(s.message) +
                    ", \"seconds\": " + json_number(s.seconds) + fields(best_fields(s)) +
                    fields(context.before_records) + ",\n \"records\": [";
  for (std::size_t k = 0; k < s.iterations.size(); ++k) {
    const IterationRecord& r = s.iterations[k];
    out += k ? ",\n  {" : "\n  {";
    out += "\"iteration\": " + std::to_string(r.iteration);
    const std::pair<const char*, double> values[] = {{"energy", r.energy},
                                                     {"data", r.data},
                                                     {"flatten", r.flatten},
                                                     {"edge", r.edge},
                                                     {"l2_fraction", r.l2_fraction},
                                                     {"energy_change", r.energy_change},
                                                     {"gradient_norm", r.gradient_norm},
                                                     {"step_norm", r.step_norm},
                                                     {"seconds", r.seconds}};
    for (const auto& [key, value] : values)
      out += ", " + json_string(key) + ": " + json_number(value);
    for (const auto& [key, value] : r.extras)
      out += ", " + json_string(key) + ": " + json_number(value);
    out += "}";
  }
  return out + "]}\n";
}

/// Writes summary_csv(s, options) to `path` atomically (atomic_file.hpp):
/// the trace `ismooth solve --trace` writes. Throws ismooth::Error.
inline void write_summary_csv(const std::filesystem::path& path, const Summary& s,
                              const SummaryCsvOptions& options = {}) {
  const std::string text = summary_csv(s, options);
  write_atomically(path, text.data(), text.size());
}

/// Writes summary_json(s, context) to `path` atomically. Throws ismooth::Error.
inline void write_summary_json(const std::filesystem::path& path, const Summary& s,
                               const JsonContext& context = {}) {
  const std::string text = summary_json(s, context);
  write_atomically(path, text.data(), text.size());
}

}  // namespace ismooth
