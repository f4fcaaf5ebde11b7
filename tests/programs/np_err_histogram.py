# np.histogram without a range needs finite data, with NumPy's ValueError
import numpy as np


def counts(a):
    return np.histogram(a, 4)[0]


print(counts(np.array([1.0, 2.0, 3.0])))
print(counts(np.array([1.0, np.inf])))
print("unreachable")
