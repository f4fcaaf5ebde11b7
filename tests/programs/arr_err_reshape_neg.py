# reshape with -1 that cannot divide the size raises ValueError; NumPy spells
# the unknown dimension "newaxis" in the message
import numpy as np


def rows(a, n):
    return a.reshape(n, -1)


a = np.arange(12)
print(rows(a, 4))
print(rows(a, 5))
