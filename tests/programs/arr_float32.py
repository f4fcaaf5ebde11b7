# float32 arrays: arithmetic stays float32 with Python scalars, prints with
# float32 shortest repr, promotes to float64 with float64 arrays
import numpy as np


def main():
    f = np.arange(5, dtype=np.float32)
    print(f, f.dtype)
    g = f * 0.1
    print(g, g.dtype)
    h = f / 3
    print(h, h.dtype)
    print(f + 1.5, (f + 1.5).dtype)
    print(np.sqrt(f), np.sqrt(f).dtype)
    print((f + np.arange(5.0)).dtype, f + np.arange(5.0))
    print((f * np.arange(5, dtype=np.int32)).dtype)
    print((f * np.arange(5, dtype=np.int16)).dtype)
    print((f + np.arange(5, dtype=np.int64)).dtype)
    x = np.array([0.1, 0.2, 0.3], dtype=np.float32)
    print(x, x[0], x[1] + x[2])
    print(x.astype(np.float64))
    print((np.zeros(1, dtype=np.bool_) + x.sum()).dtype, round(float(x.sum()), 5))
    t = np.full(3, 1.0, dtype=np.float32) / 7
    print(t)
    big = np.array([1e30, 3.4e38, -1e-30], dtype=np.float32)
    print(big)
    print(big * 10)
    y = np.array([1.5, 2.5, -0.5], dtype=np.float32)
    print(np.floor(y), np.ceil(y), np.abs(y))
    print(y.dtype, np.floor(y).dtype, (y // 1).dtype)
    m = np.ones((2, 3), dtype=np.float32)
    m[1] = 2.25
    print(m)
    print(m.mean(), m.max(), m.min())
    print(float(y[0]) * 2, y[0] * 2)
    q = f[1] / 3
    print(q, float(q), np.zeros(1) + q)
    r = y[0] / 7
    print(r, float(r), float(-y[1] / y[0]))


main()
