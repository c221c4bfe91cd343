// Links ismooth::solvers and ismooth::network without CUDA: solves a small
// SPD system with CHOLMOD (the solution matrix starts empty, so the library
// allocates it and this program frees it), and asks for the CUDA engine,
// which must be refused with a reason.
#include <cmath>
#include <cstdio>
#include <ismooth/network/network.hpp>
#include <ismooth/solvers/cholmod_solver.hpp>
#include <string>

int main() {
  ismooth::SparseMatrixD lower(2, 2);
  lower.insert(0, 0) = 4;
  lower.insert(1, 0) = 1;
  lower.insert(1, 1) = 3;
  lower.makeCompressed();
  ismooth::CholmodSolver cholmod;
  cholmod.analyzePattern(lower);
  cholmod.factorize(lower);
  Eigen::MatrixXd b(2, 1), x;
  b << 1, 2;
  cholmod.solve(b, x);
  // [4 1; 1 3] x = [1; 2]  =>  x = [1/11; 7/11]
  const bool solved = cholmod.info() == Eigen::Success && std::fabs(x(0) - 1.0 / 11) < 1e-12 &&
                      std::fabs(x(1) - 7.0 / 11) < 1e-12;
  std::string why;
  const bool cuda = ismooth::network::engine_available(ismooth::network::EngineKind::cuda, &why);
  std::printf("no cuda: CHOLMOD x = (%.6f, %.6f); CUDA engine: %s\n", x(0), x(1),
              cuda ? "available" : why.c_str());
  return solved && !cuda ? 0 : 1;
}
