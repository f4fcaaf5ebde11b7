# an array assigned in one branch only: returning it where that branch did
# not run raises at the return, not at a later use
import numpy as np


def f(n):
    if n > 0:
        a = np.zeros(3)
    return a


b = f(1)
print(b, b.shape)
c = f(0)
print(c.shape)
