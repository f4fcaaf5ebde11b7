#!/usr/bin/env python3
"""Differential fuzzing of array programs: random small NumPy programs run
under CPython + NumPy and under Kiln; any crash of `vm`, any program Kiln
fails that Python runs, or any difference in output is reported.

    tests/tools/fuzz_arrays.py SEED COUNT   (needs a python with numpy: $PYTHON)

Known, expected reports: float16 results (Kiln rejects them by design) and
last-digit differences of float32 transcendental functions (NumPy's float32
kernels are not correctly rounded).
"""
import os
import random
import subprocess
import sys
R = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
HERE = os.path.dirname(os.path.abspath(__file__))
VM = os.environ.get("VM", os.path.join(HERE, "..", "..", "target", "release", "vm"))
PY = os.environ.get("PYTHON", "python3")
OUT = os.environ.get("FUZZ_DIR", "/tmp/kiln-fuzz")
os.makedirs(OUT, exist_ok=True)
dtypes = ["np.int64", "np.float64", "np.int32", "np.float32", "np.uint8", "np.bool_", "np.int8", "np.int16", "np.uint16"]

def shape():
    return R.choice([(5,), (4, 3), (2, 3, 4), (1,), (3, 1), (6,)])

def arr_expr(name, shp, dt):
    n = 1
    for s in shp: n *= s
    return f"{name} = np.arange({n}).astype({dt}).reshape({shp})"

def index_for(shp):
    parts = []
    for d in shp[:R.randint(1, len(shp))]:
        k = R.random()
        if k < 0.4:
            parts.append(str(R.randint(-d, d - 1)))
        elif k < 0.8:
            lo = R.choice(["", str(R.randint(-d-2, d+2))]); hi = R.choice(["", str(R.randint(-d-2, d+2))]); st = R.choice(["", "", str(R.choice([1, 2, -1, -2, 3]))])
            parts.append(f"{lo}:{hi}" + (f":{st}" if st else ""))
        else:
            parts.append(":")
    return ", ".join(parts)

def program():
    lines = ["import numpy as np", "", "def main():"]
    names = []
    for i in range(3):
        shp = shape(); dt = R.choice(dtypes); nm = f"a{i}"
        lines.append("    " + arr_expr(nm, shp, dt))
        names.append((nm, shp))
    for _ in range(6):
        nm, shp = R.choice(names)
        k = R.random()
        if k < 0.25:
            lines.append(f"    print({nm}[{index_for(shp)}])")
        elif k < 0.45:
            other, oshp = R.choice(names)
            op = R.choice(["+", "-", "*", "//", "%", "<", "==", "&", "|", "/"])
            lines.append(f"    print({nm} {op} {other})")
        elif k < 0.6:
            op = R.choice(["+", "*", "-", "//", "/"]); c = R.choice(["2", "3.5", "-1", "True", "0"])
            lines.append(f"    print({nm} {op} {c})")
        elif k < 0.7:
            f = R.choice(["sum", "max", "min", "mean", "prod", "argmax", "argmin"])
            ax = R.choice(["", f"axis={R.randint(0, len(shp)-1)}"])
            lines.append(f"    print(np.{f}({nm}{', ' + ax if ax else ''}))")
        elif k < 0.8:
            lines.append(f"    {nm}[{index_for(shp)}] = {R.choice(['7', '1.5', '-3', '0'])}")
            lines.append(f"    print({nm})")
        elif k < 0.9:
            f = R.choice(["sqrt", "abs", "negative", "floor", "exp", "sin"])
            lines.append(f"    print(np.{f}({nm}))")
        else:
            lines.append(f"    print({nm}.T, {nm}.shape, {nm}.dtype, {nm}.size)")
    lines += ["", "", "main()", ""]
    return "\n".join(lines)

def run(cmd, path):
    p = subprocess.run(cmd + [path], capture_output=True, text=True, timeout=20)
    err = p.stderr.strip().splitlines()
    return p.returncode, p.stdout, (err[-1] if err else "")

bad = 0
for it in range(int(sys.argv[2]) if len(sys.argv) > 2 else 50):
    src = program()
    path = os.path.join(OUT, f"p{it}.py")
    open(path, "w").write(src)
    pc, pout, perr = run([PY, "-W", "ignore"], path)
    kc, kout, kerr = run([VM, "run"], path)
    if kc not in (0, 1) or "panicked" in kerr:
        print("CRASH", path, kc, kerr); bad += 1; continue
    if pc != 0:
        # python raised: Kiln should also fail (compile error acceptable)
        if kc == 0:
            print("KILN OK BUT PYTHON FAILED", path, perr); bad += 1
        continue
    if kc != 0:
        print("KILN FAILED", path, kerr); bad += 1; continue
    if pout.split() != kout.split():
        print("DIFF", path); bad += 1
print("bad", bad)
