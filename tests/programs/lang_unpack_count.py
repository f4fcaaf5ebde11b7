# unpacking an array checks its length as Python does
import numpy as np
from numba import njit


@njit
def first_two(a):
    p, q = a[:2]
    return p + q


@njit
def three(a):
    x, y, z = a
    return x * y * z


print(first_two(np.arange(5)), three(np.arange(1, 4)))
print(three(np.arange(4)))
