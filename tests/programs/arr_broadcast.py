# broadcasting: scalars, 2-D with 1-D rows, column vectors via reshape,
# (n,1) with (m,), and 3-D with 2-D
import numpy as np


def main():
    m = np.arange(12).reshape(3, 4)
    row = np.array([10, 20, 30, 40])
    print(m + row)
    print(row * m)
    col = np.array([1, 2, 3]).reshape(3, 1)
    print(col, col.shape)
    print(m * col)
    print(m - col)
    outer = np.arange(3).reshape(3, 1) * np.arange(4)
    print(outer, outer.shape)
    sq = np.arange(4.0).reshape(4, 1) + np.arange(4.0)
    print(sq)
    print(m + 0.5)
    print(m / row)
    one = np.array([100])
    print(m + one)
    t = np.ones((2, 3, 4), dtype=np.int64)
    print((t + m)[1])
    print((t * row).shape)
    print((col + np.arange(4).reshape(1, 4)).shape)
    c = np.arange(3).reshape(3, 1)
    print(np.maximum(c, np.arange(3)))
    print(np.where(c > np.arange(3), c, -1))
    v = m[:, 1:3] + np.array([1000, 2000])
    print(v)
    w = m[::2] * m[1]
    print(w)
    mt = m.T + np.arange(3)
    print(mt)
    print(np.arange(4) == m[1])


main()
