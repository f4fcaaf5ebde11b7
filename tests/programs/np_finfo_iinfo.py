# np.finfo and np.iinfo limits, and chained assignments to elements
import numpy as np
from numba import njit

F32 = np.float32


@njit
def limits(a):
    eps = np.finfo(np.float64).eps
    print(eps, np.finfo(np.float32).eps, np.finfo(a.dtype).max, np.finfo(F32).tiny)
    print(np.finfo(np.float64).min, np.finfo(np.float64).smallest_normal, np.finfo(np.float32).resolution)
    print(np.finfo(np.float64).precision, np.finfo(np.float32).bits, np.iinfo(np.int64).max, np.iinfo(np.int64).min)
    print(np.iinfo(np.int8).min, np.iinfo(np.uint8).max, np.iinfo(np.int32).max, np.iinfo(np.uint32).max, np.iinfo(np.int16).bits)
    big = np.iinfo(np.int32).max
    return 1.0 + eps > 1.0, 1.0 + eps / 2 > 1.0, big + 1


@njit
def chained(n):
    g = np.zeros((n, n), dtype=np.int64)
    g[0, 1] = g[1, 2] = g[2, 0] = 7
    x = g[1, 1] = y = 3
    a = np.zeros(3)
    a[0] = a[2] = np.sqrt(2.0)
    return g, x, y, a


print(limits(np.zeros(2)))
print(chained(3))
