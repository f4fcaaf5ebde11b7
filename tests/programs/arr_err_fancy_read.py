# an index array with a position past the end raises IndexError
import numpy as np


def get(a, idx):
    return a[idx]


a = np.arange(5) * 3
print(get(a, np.array([4, -5])))
print(get(a, np.array([1, 10, 2])))
print("unreachable")
