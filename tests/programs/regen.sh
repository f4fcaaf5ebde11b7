#!/bin/bash
# Regenerates the expected outputs of tests/programs with CPython + NumPy 2:
#   NAME.out  stdout of `$PY NAME.py`
#   NAME.err  (only if it exits non-zero) the last non-empty stderr line
# numba is not installed, so files that mention numba are run as a copy with
# the `import numba` / `from numba ...` lines and all decorator lines removed.
# $PY is $PYTHON if set, else /tmp/npenv/bin/python (a venv with NumPy 2.4)
# if it exists, else python3. It must be able to import numpy.
set -u
cd "$(dirname "$0")"
if [ -n "${PYTHON:-}" ]; then
  PY=$PYTHON
elif [ -x /tmp/npenv/bin/python ]; then
  PY=/tmp/npenv/bin/python
else
  PY=python3
fi
if ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "regen.sh: $PY cannot import numpy; set PYTHON to a python with NumPy 2" >&2
  exit 1
fi
echo "using $PY (numpy $("$PY" -c 'import numpy; print(numpy.__version__)'))"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in *.py; do
  n=${f%.py}
  src=$f
  if grep -q numba "$f"; then
    grep -v -E '^(import numba|from numba|@)' "$f" > "$tmp/$f"
    src=$tmp/$f
  fi
  timeout 10 "$PY" "$src" > "$n.out" 2> "$tmp/$n.stderr"
  rc=$?
  if [ $rc -ne 0 ]; then
    grep -v '^\s*$' "$tmp/$n.stderr" | tail -n 1 > "$n.err"
    echo "$n: exit $rc: $(cat "$n.err")"
  else
    rm -f "$n.err"
  fi
done
