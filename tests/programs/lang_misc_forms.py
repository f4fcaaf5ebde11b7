# Assorted forms: dtype aliases called as constructors (also in module
# constants), NumPy scalars in math and round, lists as indices, prange,
# nested enumerate/zip targets, a.flat, np.ndindex, abs wrapping int8.
import math
import numpy as np
from numba import njit, prange

DT = np.float32
K = DT(1.5)
N2 = np.int16(300) * 2
EPS = 2.220446049250313e-16


@njit(parallel=True)
def psum(a):
    s = 0.0
    for i in prange(a.shape[0]):
        s += a[i]
    return s


def main():
    x = np.float32(2.0)
    print(math.sqrt(x), math.isnan(np.float64(1)), math.floor(np.float32(2.5)), math.hypot(x, 1))
    print(round(np.float32(2.675), 2), round(x), f"{x:.3f} {np.int8(5):03d}", K, N2)
    print(DT(0.1), np.float32(0.1) == 0.1, np.int8(100) < 1000, x > 1.9999999)
    print(psum(np.arange(10.0)), math.log(8, 2), math.log(100, 10))
    a = np.arange(12).reshape(3, 4)
    print(a[np.newaxis, 1].shape, a[:, None, 2], a[[0, 2]][:, [1, 3]], a[a % 5 == 0])
    for i, (r, (p, q)) in enumerate(zip(a, zip(a[:, 0], a[:, 1]))):
        print(i, r.sum(), p + q)
    for v in a.flat:
        if v > 9:
            print(v, end=" ")
    print()
    for idx in np.ndindex(2, 2):
        print(idx, a[idx], end="; ")
    print()
    print(np.int32(7) // 2, np.uint8(200) + 100, np.float32(1) / 3, abs(np.int8(-128)))
    print(EPS, np.pi, np.e, np.inf, -np.inf, np.nan)


main()
