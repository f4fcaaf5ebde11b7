# a boolean mask must have the length of the axis it indexes
import numpy as np


def select(a, m):
    return a[m]


a = np.arange(5)
print(select(a, a > 2))
print(select(a, np.array([True, False, True])))
print("unreachable")
