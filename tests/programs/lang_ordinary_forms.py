# forms ordinary Numba code uses: dtype tests, an assert with a formatted
# message, unpacking an array, np.count_nonzero's int64
import numpy as np
from numba import njit


@njit
def kind(a):
    if a.dtype == np.float64:
        return "float64"
    elif a.dtype != np.int64:
        return "other"
    return "int64"


@njit
def unpack(a, m):
    x, y, z = a
    print(x, y, z, x + y * z)
    r0, r1 = m
    r1[0] = -1.0
    print(r0, r1, m[1, 0])
    lo, hi = np.percentile(a, [10.0, 90.0])
    print(lo, hi)
    n_rows, n_cols = m.shape
    return n_rows * n_cols


@njit
def checked(a):
    assert a.ndim == 1, "expected a 1-D array"
    assert len(a) > 2, f"too short: {len(a)} elements, min {a.min():.1f}"
    return np.count_nonzero(a), np.count_nonzero(a, axis=0)


print(kind(np.zeros(2)), kind(np.zeros(2, np.int32)), kind(np.arange(3)))
print(unpack(np.array([1.5, 2.0, 4.0]), np.arange(4.0).reshape(2, 2)))
print(checked(np.array([1.0, 0.0, 3.0])))
print(checked(np.array([5.0, 2.0])))
