#!/usr/bin/env bash
# Installs every Debian package FoPro-KD Studio needs to build, test and run its demo, and
# extracts the data-only test assets (pydicom's DICOM files, scikit-image's sample images) into a
# cache folder without installing those Python packages. The only Python installed is Debian's
# python3-torch (the same LibTorch 1.13), which the export test uses to check that a student
# exported as TorchScript loads and computes the same logits in Python, and python3-opencv, with
# which the speed benchmarks' plain PyTorch scripts decode images the way the product does.
#
# Idempotent: when everything is present it only checks and returns.
# Usage: packaging/install-deps.sh            (as root, or with sudo available)
# Env:   FOPRO_ASSETS  where the extracted test assets go (default: <repo>/.cache/assets)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
assets=${FOPRO_ASSETS:-$repo/.cache/assets}

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
  qt6-translations-l10n libqt6opengl6-dev libgl-dev
  libqcustomplot-dev libqcustomplot2.1-qt6 qt6-svg-dev
  libtorch-dev libgloo-dev python3-torch python3-opencv
  libopencv-dev
  libdcmtk-dev dcmtk
  zlib1g-dev
  xvfb xauth x11-utils imagemagick
  dataset-fashion-mnist
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    echo "install-deps: these Debian packages are missing and installing them needs root:" >&2
    echo "  ${missing[*]}" >&2
    echo "install-deps: run this script as root (or install sudo), e.g.: su -c '$0'" >&2
    exit 1
  fi
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} Debian packages present"
fi
# Node.js and npm convert the demo teacher; a machine may already carry its own build of them.
if ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: installing nodejs and npm"
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

# Data-only assets: download the .deb and unpack it; nothing gets installed, no Python needed.
extract_deb() {   # $1 package, $2 marker path inside the unpacked tree
  local pkg=$1 marker=$2 dest="$assets/$1"
  if [ -e "$dest/$marker" ]; then return 0; fi
  local tmp; tmp=$(mktemp -d)
  echo "install-deps: extracting data files of $pkg into $dest"
  if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1); then
    $SUDO apt-get update -qq || true
    (cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
  fi
  mkdir -p "$dest"
  dpkg-deb -x "$tmp"/"$pkg"_*.deb "$dest"
  rm -rf "$tmp"
}
extract_deb python3-pydicom usr/lib/python3/dist-packages/pydicom/data/test_files
extract_deb python3-skimage usr/lib/python3/dist-packages/skimage/data/retina.jpg

echo "install-deps: assets in $assets"

# ------------------------------------------------------------------------------------------------
# Demo teacher: the ImageNet layers of Keras MobileNetV2 shipped (MIT) in the npm package nsfwjs,
# converted from its CommonJS-wrapped TF.js files to the standard TF.js layout (model.json + binary
# shards) by packaging/convert-tfjs-teacher.js. Skipped when already converted; when npm cannot
# reach its registry this only warns (the tests that need the teacher skip themselves).
teacher_pkg=nsfwjs
teacher_version=4.4.0
teacher_dest="$assets/teachers/mobilenet_v2"
if [ -f "$teacher_dest/model.json" ] && [ -f "$teacher_dest/PROVENANCE.txt" ] \
    && grep -q "$teacher_pkg@$teacher_version" "$teacher_dest/PROVENANCE.txt"; then
  echo "install-deps: demo teacher present in $teacher_dest"
elif ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "install-deps: WARNING: node/npm not found; demo teacher not installed (its tests will skip)" >&2
else
  teacher_tmp=$(mktemp -d)
  echo "install-deps: fetching $teacher_pkg@$teacher_version (npm pack) for the demo teacher"
  # One retry, short back-off: an unreachable registry costs seconds, not minutes.
  if (cd "$teacher_tmp" && npm pack --silent --fetch-retries=1 --fetch-retry-maxtimeout=10000 \
        "$teacher_pkg@$teacher_version" >/dev/null 2>&1) \
      && tar -xzf "$teacher_tmp/$teacher_pkg-$teacher_version.tgz" -C "$teacher_tmp" \
           package/dist/models/mobilenet_v2/ \
      && node "$here/convert-tfjs-teacher.js" "$teacher_tmp/package/dist/models/mobilenet_v2" \
           "$teacher_dest" "$teacher_pkg" "$teacher_version"; then
    echo "install-deps: demo teacher in $teacher_dest"
  else
    echo "install-deps: WARNING: could not fetch or convert $teacher_pkg@$teacher_version" \
         "(npm registry unreachable?); demo teacher not installed (its tests will skip)" >&2
  fi
  rm -rf "$teacher_tmp"
fi

# ------------------------------------------------------------------------------------------------
# TF.js itself, pure JavaScript (its CPU backend; not tfjs-node, which needs native binaries), for
# the test that runs the demo teacher in TF.js and compares its features with the importer's
# (tests/core/ml/tfjs_reference.js). Installed into the assets folder, never globally; skipped
# when the pinned version is present; when npm cannot reach its registry this only warns (that
# test skips itself).
tfjs_version=4.22.0
tfjs_prefix="$assets/tfjs"
tfjs_package_json="$tfjs_prefix/node_modules/@tensorflow/tfjs/package.json"
if [ -f "$tfjs_package_json" ] \
    && grep -q "\"version\": *\"$tfjs_version\"" "$tfjs_package_json"; then
  echo "install-deps: @tensorflow/tfjs@$tfjs_version present in $tfjs_prefix"
elif ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: WARNING: npm not found; @tensorflow/tfjs not installed" \
       "(the TF.js comparison test will skip)" >&2
else
  echo "install-deps: installing @tensorflow/tfjs@$tfjs_version into $tfjs_prefix"
  mkdir -p "$tfjs_prefix"
  if npm install --prefix "$tfjs_prefix" --silent --no-audit --no-fund --save-exact \
      --fetch-retries=1 --fetch-retry-maxtimeout=10000 \
      "@tensorflow/tfjs@$tfjs_version" >/dev/null 2>&1; then
    echo "install-deps: @tensorflow/tfjs@$tfjs_version in $tfjs_prefix"
  else
    echo "install-deps: WARNING: could not install @tensorflow/tfjs@$tfjs_version" \
         "(npm registry unreachable?); the TF.js comparison test will skip" >&2
  fi
fi
