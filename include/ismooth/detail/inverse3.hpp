#pragma once
/// \file
/// The inverse of a 3 × 3 matrix by cofactors: exact to rounding, with no
/// pivoting, for the small well-conditioned matrices ismooth inverts (the
/// RGB → XYZ matrix of colour.hpp, regularised colour covariances of
/// apps/saliency.hpp). Internal: include the headers that use it.

namespace ismooth::detail {

/// out = a⁻¹ (a must be invertible; out may not alias a).
inline void inverse3(const double (&a)[3][3], double (&out)[3][3]) {
  const double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
                     a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
                     a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      const int r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3;
      out[r][c] = (a[r1][c1] * a[r2][c2] - a[r1][c2] * a[r2][c1]) / det;
    }
}

}  // namespace ismooth::detail
