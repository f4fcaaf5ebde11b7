# tuples, floats and arrays assigned on some paths only
import numpy as np


def pair(n):
    if n > 1:
        p = (n, n * 0.5)
    return p


def grow(n):
    for i in range(n):
        if i == 0:
            a = np.ones(2)
        else:
            a += 1.0
    return a


print(pair(4))
print(grow(3))
print(grow(0))
