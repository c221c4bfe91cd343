#!/usr/bin/env bash
# CTest wrapper for check_energy_reference.py: `ismooth energy` against the
# independent numpy reference (energy_reference.py) on real photo crops.
#   test_energy_reference.sh ISMOOTH
# Exits 77 (skipped) when Debian's python3 with numpy and PIL is missing.
set -euo pipefail
py=/usr/bin/python3  # Debian's python3-* modules import only under this one
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ! -x $py ]]; then
  echo "SKIP: $py not found (reference check needs Debian's python3-numpy, python3-pil)"
  exit 77
fi
if ! $py -c 'import numpy, PIL.Image' 2>/dev/null; then
  echo "SKIP: $py cannot import numpy and PIL (apt-get install python3-numpy python3-pil)"
  exit 77
fi
exec "$py" "$here/check_energy_reference.py" "$@"
