#pragma once
// The network shape behind `ismooth train --blocks K` and the experiment
// drivers' networks: the paper's dilation pattern cut to K blocks.

#include <vector>

namespace ismooth::cli {

/// The paper's dilations for 10 blocks; for K blocks, the first K − 2 of
/// 2,2,4,4,8,8,16,16 (16 repeated beyond) followed by 1,1 (just 1 for K = 1).
std::vector<int> paper_dilations(int blocks);

}  // namespace ismooth::cli
