# 0-d arrays: a ufunc on them gives a scalar, a[()] reads and writes the
# element, and they broadcast against arrays of any shape.
import numpy as np


def plus_one(a):
    return a + 1


def twice(a):
    return a.T.T * 2.0


z = np.zeros(())
print(z, z.shape, z.ndim, z.size)
print(plus_one(z), twice(z))
print(z + z, np.sqrt(z + 4.0), z < 1)
i = np.ones((), dtype=np.int64)
print(i * 3, -i, abs(i))
print(z.sum(), z.max(), i.sum())
print(np.full(3, z + 7))
print(z.copy(), z.astype(np.int32))
print(np.zeros(()) * np.ones(4))
print(np.ones(4) - i)
w = np.zeros(3)
w[0] = i
w[1:] = i + 1
print(w)
z[()] = 5.0
print(z, z[()], plus_one(z))
print(len(z))
