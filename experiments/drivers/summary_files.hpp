#pragma once
// Summaries as CSV files under the drivers' output: one run per file in the
// cache (read back on a rerun), and the long records.csv of a figure with
// every record of several runs. The formats are summary_io.hpp's.

#include <string>
#include <vector>

#include "drivers/result_cache.hpp"
#include "ismooth/summary_io.hpp"

namespace ismooth::experiments {

/// The CSV options of a cached run: the standard record columns (as
/// `ismooth solve --trace`) plus every extra, and the first comment line
/// read_summary_csv needs. Written by ismooth::write_summary_csv
/// (summary_io.hpp).
inline SummaryCsvOptions cached_summary_csv() {
  SummaryCsvOptions options;
  options.comment_line = true;
  return options;
}
Summary read_summary_csv(const fs::path& path);

/// Records of several runs in one long CSV: a header of `keys` then the
/// record columns; add() appends every record of a Summary.
class RecordsCsv {
 public:
  explicit RecordsCsv(const std::vector<std::string>& keys);
  void add(const std::vector<std::string>& key_values, const Summary& s);
  void write(const fs::path& path) const { write_text(path, text_); }

 private:
  std::string text_;
};

}  // namespace ismooth::experiments
