#!/usr/bin/env bash
# Our programs wait passively in OpenMP unless the user chose a policy
# (experiments/cli/omp_wait_policy.hpp). libgomp's OMP_DISPLAY_ENV=verbose
# prints its spin count as it initialises: 300000 by default, 0 when
# passive, 30000000000 when active. The last report is the one in force.
#   test_omp_wait_policy.sh PROGRAM [ARGS...]
set -uo pipefail
program=("$@")
spin_count() {  # the spin count libgomp ended up with, under the given env
  env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_DISPLAY_ENV=verbose "$@" "${program[@]}" 2>&1 >/dev/null |
    sed -n "s/^ *GOMP_SPINCOUNT = '\([0-9]*\)'.*/\1/p" | tail -1
}
fail() { echo "FAIL: $*"; exit 1; }

unset_count=$(spin_count)
echo "OMP_WAIT_POLICY unset: spin count $unset_count"
[[ $unset_count == 0 ]] || fail "${program[0]} spins by default (expected passive waiting, spin count 0)"
active_count=$(spin_count OMP_WAIT_POLICY=active)
echo "OMP_WAIT_POLICY=active: spin count $active_count"
[[ -n $active_count && $active_count != 0 ]] || fail "the user's OMP_WAIT_POLICY=active was overridden"
spin=$(spin_count GOMP_SPINCOUNT=1234)
echo "GOMP_SPINCOUNT=1234: spin count $spin"
[[ $spin == 1234 ]] || fail "the user's GOMP_SPINCOUNT was overridden"
echo "ok"
