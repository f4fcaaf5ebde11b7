# a.flat[i] past the end raises NumPy's IndexError
import numpy as np


def get(a, i):
    return a.flat[i]


m = np.arange(6).reshape(2, 3)
print(get(m, 5), get(m, -6), get(m.T, 1))
print(get(m, 6))
