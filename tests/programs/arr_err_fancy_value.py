# a value that does not broadcast to the selection raises NumPy's ValueError
import numpy as np


def put(a, idx, v):
    a[idx] = v


a = np.zeros(5)
put(a, np.array([0, 2]), np.array([1.0, 2.0]))
print(a)
put(a, np.array([0, 1, 2]), np.array([1.0, 2.0]))
print("unreachable")
