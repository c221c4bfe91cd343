// The paper's dilation pattern cut to a block count (network_shape.hpp).
#include "cli/network_shape.hpp"

#include <algorithm>

namespace ismooth::cli {

std::vector<int> paper_dilations(int blocks) {
  const std::vector<int> growing = {2, 2, 4, 4, 8, 8, 16, 16};
  std::vector<int> d;
  for (int i = 0; i < blocks - 2; ++i) d.push_back(i < int(growing.size()) ? growing[i] : 16);
  for (int i = std::max(0, blocks - 2); i < blocks; ++i) d.push_back(1);
  return d;
}

}  // namespace ismooth::cli
