"""Regenerates numpy_cases.txt, the expectations for the `numpy_bulk_cases`
test in ../arrayfmt.rs: random arrays of every dtype and what NumPy prints.

    python3 gen_numpy_cases.py numpy_cases.txt     # needs numpy (2.4 used)

Each case is a header `DTYPE SHAPE` (SHAPE is `scalar` for 0-d arrays), one
line of elements (floats as IEEE bits in hex, `x` for elements NumPy hides
when summarising), then str(a), then a line `%%`.
"""
import numpy as np, struct, sys
rng = np.random.default_rng(20240607)
INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
NAMES = {np.float64: 'f64', np.float32: 'f32', np.bool_: 'bool', np.int8: 'i8', np.int16: 'i16',
         np.int32: 'i32', np.int64: 'i64', np.uint8: 'u8', np.uint16: 'u16', np.uint32: 'u32', np.uint64: 'u64'}

def rand_shape(max_size=40):
    nd = rng.choice([1, 1, 1, 2, 2, 3])
    while True:
        shape = tuple(int(rng.integers(1, 7 if nd > 1 else 30)) for _ in range(nd))
        if np.prod(shape) <= max_size:
            return shape

def rand_floats(n, dt):
    style = rng.integers(0, 9)
    if style == 0:   # plain normal values
        x = rng.normal(size=n) * 10.0 ** rng.integers(-3, 4)
    elif style == 1:  # wide magnitudes
        x = rng.normal(size=n) * 10.0 ** rng.integers(-30, 30, size=n)
    elif style == 2:  # short decimals
        x = np.round(rng.normal(size=n) * 100, int(rng.integers(0, 4)))
    elif style == 3:  # integers as floats
        x = rng.integers(-1000, 1000, size=n).astype(float)
    elif style == 4:  # narrow range near the exp thresholds
        x = rng.uniform(1e-4, 1e-3, size=n) if rng.random() < 0.5 else rng.uniform(1e5, 1.2e8, size=n)
    elif style == 5:  # fractions with long expansions
        x = rng.integers(1, 100, size=n) / rng.integers(1, 100, size=n)
    elif style == 6:  # raw bit patterns, any exponent
        if dt == np.float32:
            x = rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32).view(np.float32)
        else:
            x = rng.integers(0, 2**63, size=n, dtype=np.int64).view(np.float64) * rng.choice([-1, 1], size=n)
    elif style == 7:  # values that round at the 8th decimal
        x = rng.integers(0, 10**9, size=n) / 1e9 + rng.integers(0, 5, size=n) * 5e-10
    else:  # ratio around 1e3
        x = rng.uniform(1, 1001, size=n)
    x = np.asarray(x).astype(dt)
    if rng.random() < 0.25:
        m = rng.random(n) < 0.2
        x[m] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], size=m.sum())
    return x

def rand_ints(n, dt):
    info = np.iinfo(dt)
    style = rng.integers(0, 3)
    if style == 0:
        lo, hi = max(info.min, -100), min(info.max, 100)
    elif style == 1:
        lo, hi = info.min, info.max
    else:
        lo, hi = 0, min(info.max, 10 ** int(rng.integers(1, 8)))
    return rng.integers(lo, hi, size=n, endpoint=True, dtype=dt)

def shown_mask(a):
    # Only the corners NumPy prints are written; the rest become "x".
    m = np.ones(a.shape, dtype=bool)
    if a.size > 1000:
        for ax, n in enumerate(a.shape):
            if n > 6:
                keep = np.zeros(n, dtype=bool)
                keep[:3] = keep[-3:] = True
                shape = [1] * a.ndim
                shape[ax] = n
                m &= keep.reshape(shape)
    return m.ravel()

def enc(a):
    toks = enc_all(a)
    return " ".join(t if k else "x" for t, k in zip(toks, shown_mask(a)))

def enc_all(a):
    flat = a.ravel()
    if a.dtype == np.float64:
        return ["%016x" % v for v in flat.view(np.uint64)]
    if a.dtype == np.float32:
        return ["%08x" % v for v in flat.view(np.uint32)]
    if a.dtype == np.bool_:
        return ["1" if v else "0" for v in flat]
    return [str(int(v)) for v in flat]

out = []
def add(a):
    shape = "scalar" if a.ndim == 0 else ",".join(map(str, a.shape))
    s = str(a)
    assert "%%" not in s
    out.append(f"{NAMES[a.dtype.type]} {shape}\n{enc(a)}\n{s}\n%%\n")

for i in range(300):
    dt = np.float32 if i % 3 == 0 else np.float64
    shape = rand_shape()
    add(rand_floats(int(np.prod(shape)), dt).reshape(shape))
for i in range(60):
    dt = INTS[i % len(INTS)]
    shape = rand_shape()
    add(rand_ints(int(np.prod(shape)), dt).reshape(shape))
for i in range(10):
    shape = rand_shape()
    add(rng.random(shape) < 0.5)
for i in range(80):   # scalars (0-d arrays)
    dt = np.float32 if i % 2 else np.float64
    add(np.array(rand_floats(1, dt)[0]))
for dt in INTS:
    add(np.array(rand_ints(1, dt)[0]))
# summarised arrays
for shape, dt in [((1500,), np.float64), ((1001,), np.float32), ((40, 30), np.float64),
                  ((11, 10, 10), np.int32), ((2, 600), np.float64), ((600, 2), np.int16),
                  ((3, 3, 120), np.float32), ((1200,), np.bool_)]:
    n = int(np.prod(shape))
    if dt == np.bool_:
        a = rng.random(n) < 0.5
    elif np.issubdtype(dt, np.integer):
        a = rand_ints(n, dt)
    else:
        a = rand_floats(n, dt)
    add(a.reshape(shape))
open(sys.argv[1], "w").write("".join(out))
