# @ with mismatched inner dimensions raises NumPy's matmul ValueError
import numpy as np


def apply(m, v):
    w = v * 2
    return m @ w


m = np.ones((2, 3))
print(apply(m, np.arange(3.0)))
print(apply(m, np.arange(4.0)))
