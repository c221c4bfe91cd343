#!/usr/bin/env bash
# Install test: installs the build tree into a temporary prefix, then
# configures, builds and runs tests/install/consumer against it with
# find_package(ismooth) and -DCMAKE_PREFIX_PATH=<prefix>.
#   test_install.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(realpath "${1:?usage: test_install.sh SOURCE_DIR BUILD_DIR}")
build=$(realpath "${2:?usage: test_install.sh SOURCE_DIR BUILD_DIR}")

work=$(mktemp -d "${TMPDIR:-/tmp}/ismooth-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log"; exit 1; }
config=$(find "$prefix" -name ismoothConfig.cmake -print -quit)
[[ -n $config ]] || { echo "FAIL: no ismoothConfig.cmake under $prefix"; exit 1; }
[[ -f $prefix/include/ismooth/ismooth.hpp ]] || { echo "FAIL: headers not installed"; exit 1; }
[[ -x $prefix/share/ismooth/plot_trace.py ]] || { echo "FAIL: share/ismooth/plot_trace.py not installed"; exit 1; }
echo "config: ${config#"$prefix"/}"
# The tool is installed too when it was built.
if [[ -x $build/experiments/ismooth ]]; then
  [[ -x $prefix/bin/ismooth ]] || { echo "FAIL: bin/ismooth not installed"; exit 1; }
  "$prefix/bin/ismooth" --help >/dev/null || { echo "FAIL: installed ismooth --help failed"; exit 1; }
  # The shipped model is installed, and the installed tool finds it without
  # --model, relative to itself: also after the prefix has moved.
  model=share/ismooth/models/default.model
  [[ -f $prefix/$model ]] || { echo "FAIL: $model not installed"; exit 1; }
  # A 5 x 4 grey PNG (ismooth reads PNG and JPEG only).
  base64 -d >"$work/in.png" <<<'iVBORw0KGgoAAAANSUhEUgAAAAUAAAAECAAAAABjWKqcAAAADklEQVR42mNoAAEGDBIAeBgKARmGZfAAAAAASUVORK5CYII='
  mv "$prefix" "$work/moved"
  (cd "$work" && env -u ISMOOTH_MODEL OMP_NUM_THREADS=1 "$work/moved/bin/ismooth" smooth in.png out.png \
    --time 2>"$work/smooth.log") || { cat "$work/smooth.log"; echo "FAIL: installed smooth"; exit 1; }
  grep -q "model $work/moved/$model" "$work/smooth.log" ||
    { cat "$work/smooth.log"; echo "FAIL: the installed tool did not use the installed model"; exit 1; }
  echo "installed ismooth smooth used $model from the moved prefix"
  mv "$work/moved" "$prefix"
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
echo "== configure the consumer"
# Nothing but the prefix may lead to ismooth: no package registry, and a
# copy of the consumer outside the source tree.
cp -r "$src/tests/install/consumer" "$work/consumer"
cmake -S "$work/consumer" -B "$work/build" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_FIND_PACKAGE_NO_SYSTEM_PACKAGE_REGISTRY=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
grep -- "ismooth .* from" "$work/configure.log"
grep -q "from $prefix/" "$work/configure.log" ||
  { echo "FAIL: ismooth was not found in the install prefix"; exit 1; }
if grep -q -- "-I$src/include" "$work/build/compile_commands.json"; then
  echo "FAIL: the consumer compiles against the source tree, not the installed headers"
  exit 1
fi

echo "== build and run the consumer"
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/build/consumer"
