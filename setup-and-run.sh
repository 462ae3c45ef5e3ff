#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is needed, builds, and runs the main job.
# For now the main job is the headless demo (Fashion-MNIST made long-tailed, inspected, split and
# checked for duplicates); the desktop application joins it when its first page lands.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
packaging/install-deps.sh
cmake --preset release
cmake --build --preset release --target fopro
exec build/release/app/fopro demo "$@"
