# assigning through a mask takes as many values as the mask selects
import numpy as np


def put(a, v):
    a[a > 1] = v


a = np.arange(5)
put(a, np.array([7, 8, 9]))
print(a)
put(a, np.array([1, 2]))
print("unreachable")
