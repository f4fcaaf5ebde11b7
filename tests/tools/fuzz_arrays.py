#!/usr/bin/env python3
"""Differential fuzzing of array programs: random small NumPy programs run
under CPython + NumPy and under Kiln; any crash of `vm`, any program Kiln
fails that Python runs, or any difference in output is reported.

    tests/tools/fuzz_arrays.py SEED COUNT [fused]   (needs a python with numpy: $PYTHON)

With `index`, the programs read, assign and update (`+=`) through random
subscripts of ints, slices, `None`, integer arrays and boolean masks on
arrays of one to three dimensions; an exception must be NumPy's, to the
letter, and any report is a bug (exit status 1).

With `fused`, the programs are elementwise expressions that Kiln compiles
to fused operations: trees of operators, ufuncs and `np.where` over arrays of
every dtype pair, broadcast shapes, views with negative strides and Python
scalars, assigned to new names, updated in place (`a += ...`) and assigned
into slices, including slices of arrays the expression reads (aliasing).

Known, expected reports: float16 results (Kiln rejects them by design) and
last-digit differences of float32 transcendental functions (NumPy's float32
kernels are not correctly rounded). The `fused` programs avoid both, so any
report there is a bug; the exit status is 1 when there was one.
"""
import os
import random
import re
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

SCALARS = ["2", "3.5", "-1", "True", "0", "300", "0.25"]
BIN = ["+", "-", "*", "/", "//", "%", "<", "==", "!=", ">="] * 6 + ["&", "|", "^"]
# float16 results (which Kiln rejects) are avoided: roots of a float.
UFUNC1 = ["np.abs", "np.negative", "np.floor", "SQRT"]
UFUNC2 = ["np.maximum", "np.minimum", "np.fmax", "np.add", "np.multiply"]

# Expressions stored into an integer array keep their floats inside int32's
# range and finite: no divisions (NaN, infinity) and no products (a float
# product of two uint16-sized values, 65528.0 * 65535.0, passes 2**31).
# Converting a float outside that range to an integer dtype is undefined in
# C, and NumPy's result depends on the CPU: on x86-64 the conversion to an
# 8-, 16- or 32-bit integer goes through a 32-bit `cvttsd2si`, whose
# out-of-range result 0x80000000 leaves 0 in a uint16 (and INT_MIN in an
# int32), while aarch64 saturates. Kiln converts through int64 the same way
# on both (so 4294377480.0 becomes 8 in a uint16). Inside int32's range
# both CPUs and Kiln agree: truncation, then the low bits.
NO_DIV = [op for op in BIN if op not in ("/", "//", "%")]
# The product an integer destination's expression takes instead (chosen
# after the random draw, so the programs are otherwise the same).
BOUNDED = {"*": "+", "np.multiply": "np.add"}

def fused_expr(leaves, depth, ops=BIN, bounded=False):
    pick = lambda xs: (lambda x: BOUNDED.get(x, x) if bounded else x)(R.choice(xs))
    sub = lambda: fused_expr(leaves, depth - 1, ops, bounded)
    if depth == 0 or R.random() < 0.25:
        return R.choice(leaves) if R.random() < 0.85 else R.choice(SCALARS)
    k = R.random()
    a = sub()
    if k < 0.55:
        return f"({a} {pick(ops)} {sub()})"
    if k < 0.7:
        f = R.choice(UFUNC1)
        return f"np.sqrt(np.abs({a}) + 0.5)" if f == "SQRT" else f"{f}({a})"
    if k < 0.85:
        return f"{pick(UFUNC2)}({a}, {sub()})"
    return f"np.where({a} > 1, {sub()}, {sub()})"

def array_expr(leaves, depth, ops=BIN, bounded=False):
    while True:
        e = fused_expr(leaves, depth, ops, bounded)
        if any(x in e for x in leaves):
            return e

def fused_program():
    lines = ["import numpy as np", "", "def main():"]
    two = R.random() < 0.6
    # Shapes that broadcast against each other (to (4, 6) or (6,)).
    shapes = [(4, 6), (6,), (1, 6), (4, 1)] if two else [(6,), (1,)]
    leaves = []
    for i in range(3):
        shp = R.choice(shapes) if i else shapes[0]
        dt = R.choice(dtypes[:4] * 2 + dtypes[4:]); nm = f"a{i}"
        if i == 0:
            int_dest = "float" not in dt
        n = 1
        for s in shp: n *= s
        lines.append(f"    {nm} = (np.arange({n}) - {n // 3}).astype({dt}).reshape({shp})")
        leaves.append(nm)
        # Views with negative strides, of the same shape.
        rev = f"{nm}[::-1, ::-1]" if len(shp) == 2 else f"{nm}[::-1]"
        lines.append(f"    {nm}r = {rev}")
        leaves.append(f"{nm}r")
    last = "[:, {}]" if two else "[{}]"
    for j in range(5):
        k = R.random()
        if k < 0.5:
            e = array_expr(leaves, R.randint(2, 4))
            lines.append(f"    t{j} = {e}")
            lines.append(f"    print(t{j}, t{j}.dtype)")
        elif k < 0.75:
            # In place, reading the target itself and reversed.
            c = f"c{j}"
            lines.append(f"    {c} = a0.astype({R.choice(['np.float64', 'np.float32'])})")
            own = [c, c + last.format("::-1")] + leaves
            e = array_expr(own, R.randint(2, 3))
            lines.append(f"    {c} {R.choice(['+=', '-=', '*='])} {e}")
            lines.append(f"    print({c})")
        else:
            # Into a slice of the array the expression reads (aliasing).
            c = f"c{j}"
            lines.append(f"    {c} = a0.copy()")
            dst, views = R.choice([
                ("1:", [":-1", "1:", "-1:0:-1"]),
                (":-1", ["1:", ":-1"]),
                ("::-1", [":", "::-1"]),
                ("::2", ["1::2", "::2"]),
            ])
            own = [c + last.format(v) for v in views]
            e = array_expr(own, R.randint(1, 3), NO_DIV if int_dest else BIN, int_dest)
            lines.append(f"    {c}{last.format(dst)} = {e}")
            lines.append(f"    print({c})")
    lines += ["", "", "main()", ""]
    return "\n".join(lines)

def subscript(shp):
    """Random items for an array of shape `shp`: ints, slices, new axes,
    integer arrays (all of one length, so that they mostly broadcast) and
    masks."""
    n = R.choice([1, 2, 3])
    items, axis = [], 0
    # One kind of index array per subscript, so that most broadcast.
    mask = R.random() < 0.3
    for _ in range(R.randint(1, len(shp) + 1)):
        if axis >= len(shp):
            if R.random() < 0.5:
                items.append("None")
            break
        d = shp[axis]
        k = R.random()
        if k < 0.2:
            items.append(str(R.randint(-d, d - 1)))
        elif k < 0.4:
            lo = R.choice(["", str(R.randint(-d, d))]); hi = R.choice(["", str(R.randint(-d, d))])
            st = R.choice(["", "", "-1", "2"])
            items.append(f"{lo}:{hi}" + (f":{st}" if st else ""))
        elif k < 0.5:
            items.append("None")
            continue
        elif not mask:
            vals = [R.randint(-d, d - 1) for _ in range(n)]
            if n >= 2 and R.random() < 0.3:
                items.append(f"np.array([[{vals[0]}], [{vals[1]}]])")
            else:
                dt = R.choice(["np.int64", "np.int32", "np.int8", "np.uint8"])
                vals = [v % d for v in vals] if dt == "np.uint8" else vals
                items.append(f"np.array([{', '.join(map(str, vals))}], dtype={dt})")
        else:
            items.append(f"np.array([{', '.join(R.choice(['True', 'False']) for _ in range(d))}])")
            mask = R.random() < 0.3
        axis += 1
    return ", ".join(items)

def index_program():
    lines = ["import numpy as np", "", "def main():"]
    names = []
    for i, shp in enumerate([(5,), (3, 4), (2, 3, 4), (4, 1, 3)]):
        n = 1
        for s in shp: n *= s
        dt = R.choice(["np.int64", "np.float64", "np.int16", "np.float32"])
        lines.append(f"    a{i} = np.arange({n}).astype({dt}).reshape({shp})")
        names.append((f"a{i}", shp))
    for j in range(8):
        nm, shp = R.choice(names)
        idx = subscript(shp)
        if R.random() < 0.5:
            lines.append(f"    print({nm}[{idx}])")
            continue
        v = R.choice(["-1", "-1", "np.array([7])", f"{nm}[{idx}] * 3", f"{nm}[{subscript(shp)}]"])
        lines.append(f"    b{j} = {nm}.copy()")
        lines.append(f"    b{j}[{idx}] {R.choice(['=', '+='])} {v}")
        lines.append(f"    print(b{j})")
    lines += ["", "", "main()", ""]
    return "\n".join(lines)

def run(cmd, path):
    p = subprocess.run(cmd + [path], capture_output=True, text=True, timeout=20)
    err = p.stderr.strip().splitlines()
    return p.returncode, p.stdout, (err[-1] if err else "")

ZERO = re.compile(r"^-(0\.?0*(e[+-]?0+)?)([,\]]*)$")

def norm(out):
    # The sign of a zero from np.fmax/np.fmin of +0.0 and -0.0 is not
    # specified: NumPy's own result depends on the CPU and on where the
    # element falls in its vector loop. Brackets are tokens of their own, as
    # the minus sign of such a zero widens its column: `[[ 1. -0.]` against
    # `[[1. 0.]`.
    return [ZERO.sub(r"\1\3", t) for t in re.findall(r"[\[\]]|[^\s\[\]]+", out)]

bad = agree = both_failed = 0
for it in range(int(sys.argv[2]) if len(sys.argv) > 2 else 50):
    mode = sys.argv[3] if len(sys.argv) > 3 else ""
    src = {"fused": fused_program, "index": index_program}.get(mode, program)()
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
        elif mode == "index" and (perr != kerr or pout != kout):
            print("DIFFERENT ERROR", path, perr, "|", kerr); bad += 1
        else:
            both_failed += 1
        continue
    if kc != 0:
        print("KILN FAILED", path, kerr); bad += 1; continue
    if norm(pout) != norm(kout):
        print("DIFF", path); bad += 1
    else:
        agree += 1
print("agree", agree, "both failed", both_failed, "bad", bad)
sys.exit(1 if bad else 0)
