# reading past the end of a 1-D array raises IndexError in a function
import numpy as np


def get(a, i):
    return a[i]


a = np.arange(5) * 3
print(get(a, 4), get(a, -5))
print(get(a, 5))
print("unreachable")
