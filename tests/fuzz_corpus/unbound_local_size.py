import numpy as np


def make(a):
    if False:
        n = a.shape[0]
    return np.zeros(n)


print(make(np.arange(3)).shape)
