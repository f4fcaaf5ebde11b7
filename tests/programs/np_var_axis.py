# np.var / np.std (and the methods) along an axis, with ddof and an
# accumulator dtype, as NumPy 2 computes them
import numpy as np


def main():
    m = np.array([[3, 7, 1, 9], [4, 2, 8, 6], [5, 0, 2, 7]])
    print(np.var(m, axis=0), np.var(m, axis=1))
    print(np.std(m, axis=0), m.std(axis=1))
    print(m.var(axis=-1), m.var(axis=-2), np.var(m, 0, ddof=1))
    print(np.std(m, axis=1, ddof=2), m.var(ddof=1, axis=0).dtype)
    print(np.var(m, axis=None), m.std(None), np.var(m))
    f = np.arange(12.0).reshape(3, 4) / 7
    print(f.var(axis=0), f.std(axis=1))
    print(f.var(axis=0, dtype=np.float32), f.var(axis=0, dtype=np.float32).dtype)
    print(np.std(f, dtype=np.float32), np.std(f, 1, np.float32))
    g = f.astype(np.float32)
    print(g.var(axis=1), g.var(axis=1).dtype, g.std(0), g.std(0).dtype)
    print(g.var(axis=1, dtype=np.float64), np.std(g, dtype=np.float64))
    v = np.arange(5.0)
    print(np.var(v, axis=0), v.std(axis=-1, ddof=1), np.var(v, 0, np.float32))
    c = np.arange(24).reshape(2, 3, 4) % 5
    print(np.var(c, axis=1))
    print(c.std(axis=2, ddof=1))
    print(np.var(c, axis=0).shape, np.std(c, axis=-1).shape)
    t = f.T
    print(t.var(axis=0), t.std(axis=1))
    s = m[:, 1:3]
    print(s.var(axis=0), s.std(axis=1))
    b = m > 4
    print(b.var(axis=0), np.std(b, axis=1))
    u = np.array([[200, 10], [50, 255]], dtype=np.uint8)
    print(u.var(axis=0), u.std(axis=1, dtype=np.float32))
    # ddof as large as the count: NumPy's inf and nan
    print(np.var(m, axis=0, ddof=3), np.std(m, axis=1, ddof=4))
    big = np.arange(300.0).reshape(3, 100) / 3
    print(big.var(axis=1), big.std(axis=1, dtype=np.float32))
    tall = (np.arange(60.0).reshape(20, 3) * 1.1) ** 2
    print(tall.var(axis=0), tall.std(axis=0))
    # sums and means in the accumulator dtype asked for
    h = np.arange(20.0) / 3
    print(np.sum(h, dtype=np.float32), np.mean(h, dtype=np.float32))
    w = np.array([2**62, 2**62, 2**62])
    print(np.sum(w, dtype=np.float64), np.sum(w))


main()
