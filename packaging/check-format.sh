#!/usr/bin/env bash
# Checks that every C++ file git tracks (and new ones it does not ignore) follows the committed
# .clang-format style. Exits 1 and lists the files that differ; `--fix` rewrites them instead.
# Registered with CTest as the test "format" (label "lint"), so the README's test command and CI
# run it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fix=0
[ "${1:-}" = "--fix" ] && fix=1
if ! command -v clang-format >/dev/null 2>&1; then
  echo "check-format: clang-format is not installed (packaging/install-deps.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <( (git ls-files; git ls-files --others --exclude-standard) 2>/dev/null \
  | grep -E '\.(cpp|h)$' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: no C++ files found (not a git checkout?)" >&2
  exit 1
fi
if [ $fix -eq 1 ]; then
  clang-format -i --style=file "${files[@]}"
  echo "check-format: formatted ${#files[@]} files"
  exit 0
fi
# One clang-format call for all files; its diagnostics name each file that would change.
mapfile -t bad < <(clang-format --style=file --dry-run "${files[@]}" 2>&1 \
  | sed -n 's/^\(.*\.\(cpp\|h\)\):[0-9]*:[0-9]*: .*clang-format-violations.*/\1/p' | sort -u)
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: ${#bad[@]} of ${#files[@]} files differ from .clang-format (run packaging/check-format.sh --fix):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "check-format: all ${#files[@]} C++ files follow .clang-format"
