#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: installs what is needed, builds everything and runs the
# whole test suite through CTest. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
packaging/install-deps.sh
cmake --preset release
cmake --build --preset release
ctest --preset release "$@"
