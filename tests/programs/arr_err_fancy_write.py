# writing through an index array checks every position, negatives too
import numpy as np


def bump(a, idx):
    a[idx] += 1


a = np.zeros(5, dtype=np.int32)
bump(a, np.array([0, -1, -1]))
print(a)
bump(a, np.array([1, -6]))
print("unreachable")
