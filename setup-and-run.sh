#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is needed, builds, and runs the main job:
# the desktop application on the built-in demo project when a display is available, else the
# headless demo (Fashion-MNIST made long-tailed, inspected, split and checked for duplicates).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
packaging/install-deps.sh
cmake --preset release
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  cmake --build --preset release --target fopro-studio
  exec build/release/app/fopro-studio --demo "$@"
fi
echo "setup-and-run: no display found; running the headless demo instead of the desktop application"
cmake --build --preset release --target fopro
exec build/release/app/fopro demo "$@"
