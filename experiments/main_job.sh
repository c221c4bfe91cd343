#!/usr/bin/env bash
# The main job (README's first command runs ./install-deps.sh, then this):
# builds the project and runs the ismooth tool on a real photograph,
# writing everything under out/ in the repository root (gitignored).
#
#   1. ismooth edges  : structure-edge map B and edge response E of the photo
#   2. ismooth energy : the energy of the photo as its own smoothing (T = I),
#                       plain and --json. With T = I the data and edge terms are 0.
#   3. ismooth solve  : the photo smoothed by L-BFGS on the all-L0.8 energy
#                       (until the trained network ships, issue 5), and its energy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

photo=${ISMOOTH_PHOTO:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}
if [[ ! -f "$photo" ]]; then
  echo "main_job: sample photo $photo not found (install python3-skimage: ./install-deps.sh)" >&2
  exit 1
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2

mkdir -p out
tool=build/experiments/ismooth

echo "== ismooth edges $photo"
"$tool" edges "$photo" --out out/astronaut_edges.png --response out/astronaut_edge_response.png

echo "== ismooth energy (INPUT = OUTPUT = $photo)"
"$tool" energy "$photo" "$photo" | tee out/astronaut_energy.txt
"$tool" energy "$photo" "$photo" --json | tee out/astronaut_energy.json

echo "== ismooth solve (L-BFGS on the all-L0.8 energy, 40 iterations; about a minute)"
"$tool" solve "$photo" out/astronaut_smoothed.png --solver lbfgs --energy l08 --iterations 40
cp "$photo" out/astronaut_input.png
"$tool" energy out/astronaut_input.png out/astronaut_smoothed.png --energy l08 | tee out/astronaut_smoothed_energy.txt

echo
echo "smoothed photo written to $(pwd)/out/astronaut_smoothed.png (input beside it: out/astronaut_input.png)"
echo "edge map written to $(pwd)/out/astronaut_edges.png"
echo "edge response written to $(pwd)/out/astronaut_edge_response.png"
echo "energy written to $(pwd)/out/astronaut_energy.txt and out/astronaut_energy.json"
