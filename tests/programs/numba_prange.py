# numba.prange has the semantics of range, with or without parallel=True.
# Expected output: produced by CPython running a copy of this file with the
# numba import and decorator lines removed and prange replaced by range
# (numba is not installed).
import numpy as np
import numba
from numba import njit, prange


@njit(parallel=True)
def row_sums(m):
    out = np.zeros(m.shape[0])
    for i in prange(m.shape[0]):
        s = 0.0
        for j in range(m.shape[1]):
            s += m[i, j]
        out[i] = s
    return out


@njit
def strided(n):
    t = 0
    for i in numba.prange(n, 0, -3):
        t += i
    for i in prange(2, n):
        t -= 1
    else:
        t *= 10
    return t


@numba.njit(parallel=True, fastmath=False)
def reduce_sum(a):
    acc = 0
    for k in prange(len(a)):
        acc += a[k]
    return acc


m = np.arange(12.0).reshape(3, 4)
print(row_sums(m))
print(strided(10), strided(0))
print(reduce_sum(np.arange(100)))
