import numpy as np


def count(a):
    n = 0
    for x in np.nditer(a):
        n += 1
    return n


print(count(np.ones((2, 2))))
print(count(np.ones((2, 0))))
