# np.flip, np.fliplr and np.flipud: views with axes reversed
import numpy as np
from numba import njit


@njit
def flips(a, m):
    print(np.flip(a), np.flip(m), np.flip(m, 0), np.flip(m, axis=1), np.flip(m, -1))
    print(np.fliplr(m), np.flipud(m), np.flipud(a))
    v = np.flipud(a)
    v[0] = 100
    print(a, np.flip(np.flip(a)))


flips(np.arange(4), np.arange(6).reshape(2, 3))
print(np.flipud(np.arange(3.0)))
