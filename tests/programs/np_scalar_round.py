# round() of NumPy scalars rounds as NumPy does and keeps the dtype
import numpy as np


def r(a, b, c):
    x = a[0]
    y = b[0]
    print(round(x, 2), round(y, 2), round(x, -1), round(y, 1), round(x))
    print(round(c[0], -2), round(c[1], -2), round(c[2], 1), round(c[2], -1))
    print(round(x * 1000.0, -2), round(np.float32(2.675), 2), round(np.float64(2.665), 2))


r(np.array([2.675, 1.0]), np.array([0.125], dtype=np.float32), np.array([1250, 1350, -25], dtype=np.int32))
r(np.array([14.5]), np.array([2.5], dtype=np.float32), np.array([5, 15, 25], dtype=np.int64))
