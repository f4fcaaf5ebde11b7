# 3-D arrays: construction, indexing a[i, j, k], sub-views a[i], a[i, j],
# reductions and elementwise ops
import numpy as np


def main():
    t = np.arange(24).reshape(2, 3, 4)
    print(t)
    print(t.shape, t.ndim, t.size, len(t))
    print(t[1, 2, 3], t[0, 1, 2], t[-1, -1, -1], t[-2, 0, -4])
    plane = t[1]
    print(plane, plane.shape)
    row = t[0, 2]
    print(row, row.shape)
    t[1, 0, 0] = -5
    print(plane[0])
    plane[2, 1] = 99
    print(t[1, 2])
    s = 0
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            for k in range(t.shape[2]):
                s += t[i, j, k]
    print(s, t.sum(), np.sum(t))
    u = t * 2 + 1
    print(u[1])
    print(np.max(t), t.min(), t.argmax(), t.argmin())
    w = np.zeros((2, 2, 3), dtype=np.float32)
    w[0, 1, 2] = 1.5
    w[1, 0, 0] = -2.0
    print(w)
    print(w.dtype, (w + 1).dtype)
    v = t.reshape(4, 6)
    print(v[3])
    flat = t.reshape(24)
    print(flat[::5])
    c = np.ones((3, 1, 2)) * np.arange(2.0)
    print(c.shape, c[2, 0, 1])
    d = np.arange(8).reshape(2, 2, 2) + np.arange(2)
    print(d)


main()
