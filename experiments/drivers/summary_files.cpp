// Summaries as CSV files (summary_files.hpp).
#include "drivers/summary_files.hpp"

#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

Summary read_summary_csv(const fs::path& path) {
  return parse_summary_csv(read_text(path), path.string());
}

RecordsCsv::RecordsCsv(const std::vector<std::string>& keys) {
  for (const auto& k : keys) text_ += k + ",";
  text_ += record_csv_header();
}

void RecordsCsv::add(const std::vector<std::string>& key_values, const Summary& s) {
  std::string prefix;
  for (const auto& v : key_values) prefix += detail::csv_cell_text(v) + ",";
  for (const auto& r : s.iterations) text_ += prefix + record_csv_row(r) + "\n";
}

}  // namespace ismooth::experiments
