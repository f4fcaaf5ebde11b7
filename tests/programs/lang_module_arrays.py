# module-level arrays and tuples of constants, read by functions frozen
# (made anew for each call, as Numba freezes them)
import numpy as np
from numba import njit

W = np.array([0.25, 0.5, 0.25])
K = np.array([[1, 2], [3, 4]], dtype=np.int32)
GRID = np.linspace(0.0, 1.0, 5)
TABLE = (1, 2, 3)
PAIRS = ((0, 1), (1, 0))
LOOKUP = np.arange(10) ** 2


@njit
def smooth(a):
    out = np.zeros_like(a)
    for i in range(1, len(a) - 1):
        out[i] = W[0] * a[i - 1] + W[1] * a[i] + W[2] * a[i + 1]
    return out


@njit
def uses():
    s = 0
    for t in TABLE:
        s += t
    for i, j in PAIRS:
        s += K[i, j]
    w = W.copy()
    w[0] = 9.0
    return s, K.dtype, GRID[-1], len(TABLE), w, W


@njit
def squares(n):
    return LOOKUP[n] + LOOKUP[:n].sum()


print(smooth(np.arange(5.0)))
print(uses())
print(squares(4), squares(9))
print(W.sum(), np.sum(W) + W[0], len(W), W * 2)
print(W, smooth(np.ones(3)), f"{W[1]:.2f}")
