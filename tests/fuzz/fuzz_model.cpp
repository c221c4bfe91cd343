// libFuzzer target: the model file and the training checkpoint parsers
// (parse_model, parse_checkpoint) on arbitrary bytes. See docs/fuzzing.md.
//
// Each input is parsed as it is and again with its last four bytes replaced
// by the CRC-32 of the bytes before them. Both formats check a checksum, so
// without the second pass almost every mutation would stop at the checksum
// and the fuzzer would never reach the configuration and tensor checks that
// follow it. The corpus therefore holds plain model and checkpoint files.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ismooth/error.hpp"
#include "ismooth/network/checkpoint.hpp"
#include "ismooth/network/model_file.hpp"

namespace {

void parse_both(const unsigned char* data, std::size_t size) {
  // ismooth::Error is the parsers' documented refusal; anything else (another
  // exception, a sanitizer report, a crash) escapes and is a finding.
  try {
    ismooth::network::parse_model(data, size, "fuzz input");
  } catch (const ismooth::Error&) {
  }
  try {
    ismooth::network::parse_checkpoint(data, size, "fuzz input");
  } catch (const ismooth::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  parse_both(data, size);
  if (size < 4) return 0;
  std::vector<unsigned char> fixed(data, data + size);
  const std::uint32_t crc = ismooth::network::crc32(fixed.data(), size - 4);
  for (std::size_t i = 0; i < 4; ++i)
    fixed[size - 4 + i] = static_cast<unsigned char>(crc >> (8 * i));
  parse_both(fixed.data(), fixed.size());
  return 0;
}
