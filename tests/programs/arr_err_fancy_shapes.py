# index arrays for several axes must broadcast together
import numpy as np


def pick(m, r, c):
    return m[r, c]


m = np.arange(12).reshape(3, 4)
print(pick(m, np.array([0, 2]), np.array([3, 1])))
print(pick(m, np.array([0, 1, 2]), np.array([1, 2])))
print("unreachable")
