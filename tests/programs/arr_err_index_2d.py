# out-of-bounds second index of a 2-D array names axis 1
import numpy as np


def total(m, ncols):
    s = 0
    for i in range(m.shape[0]):
        for j in range(ncols):
            s += m[i, j]
        print("row", i, s)
    return s


m = np.arange(12).reshape(3, 4)
print(total(m, 4))
print(total(m, 5))
