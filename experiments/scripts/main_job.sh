#!/usr/bin/env bash
# The main job (README's first command runs ./install-deps.sh, then this):
# builds the project and smooths a packaged photograph with the shipped
# network, writing the result next to a copy of the input under out/ in the
# repository root (gitignored), for a side-by-side look:
#
#   out/astronaut.png          a copy of the input (scikit-image's astronaut, Debian
#                              package python3-skimage; a test-split photo,
#                              never trained on)
#   out/astronaut_smooth.png   ismooth smooth out/astronaut.png (default model)
#   out/astronaut_edges.png    ismooth edges: the structure-edge map B
#   out/astronaut_energy.txt   ismooth energy of the result (smoothing preset)
#
# ISMOOTH_PHOTO=FILE smooths another photo instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

photo=${ISMOOTH_PHOTO:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}
if [[ ! -f "$photo" ]]; then
  echo "main_job: sample photo $photo not found (install python3-skimage: ./install-deps.sh)" >&2
  exit 1
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2

mkdir -p out
tool=build/experiments/ismooth
name=$(basename "${photo%.*}")
input="out/$name.${photo##*.}"
cp "$photo" "$input"

echo "== ismooth smooth $input out/${name}_smooth.png   (the shipped model, docs/model-card.md)"
"$tool" smooth "$input" "out/${name}_smooth.png" --time

echo "== ismooth edges (the structure edges the model was trained to keep)"
"$tool" edges "$input" --out "out/${name}_edges.png"

echo "== ismooth energy of the input as its own result and of the smoothed photo"
loss=(--energy l08 --set lambda_e=0.1)  # the model's training loss (docs/model-card.md)
{
  echo "T = I:      $("$tool" energy "$input" "$input")"
  echo "T = model:  $("$tool" energy "$input" "out/${name}_smooth.png")"
  echo "T = model, p = 0.8 everywhere (the loss the model was trained on):"
  "$tool" energy "$input" "out/${name}_smooth.png" "${loss[@]}"
  echo "(the adaptive map of the smoothing preset punishes the few pixels whose"
  echo " edges the model strengthens; docs/model-card.md explains the gap)"
} | tee "out/${name}_energy.txt"

echo
echo "smoothed photo: $(pwd)/out/${name}_smooth.png"
echo "input beside it: $(pwd)/$input"
