#!/bin/bash
# Regenerates the expected outputs of tests/programs with CPython:
#   NAME.out  stdout of `python3 NAME.py`
#   NAME.err  (only if it exits non-zero) the last non-empty stderr line
# numba is not installed, so files that mention numba are run as a copy with
# the `import numba` / `from numba ...` lines and all decorator lines removed.
set -u
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in *.py; do
  n=${f%.py}
  src=$f
  if grep -q numba "$f"; then
    grep -v -E '^(import numba|from numba|@)' "$f" > "$tmp/$f"
    src=$tmp/$f
  fi
  timeout 10 python3 "$src" > "$n.out" 2> "$tmp/$n.stderr"
  rc=$?
  if [ $rc -ne 0 ]; then
    grep -v '^\s*$' "$tmp/$n.stderr" | tail -n 1 > "$n.err"
    echo "$n: exit $rc: $(cat "$n.err")"
  else
    rm -f "$n.err"
  fi
done
