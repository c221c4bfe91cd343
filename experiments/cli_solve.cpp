// ismooth solve INPUT OUTPUT --solver irls|adam|lbfgs ... (to be written)
#include "cli.hpp"

namespace ismooth::cli {

void add_solve_command(CLI::App&, Action&) {}

}  // namespace ismooth::cli
