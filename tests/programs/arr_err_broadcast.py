# adding arrays whose shapes do not broadcast raises ValueError
import numpy as np


def combine(a, b):
    return a + b


m = np.ones((3, 4))
print(combine(m, np.arange(4.0)))
print(combine(m, np.arange(3.0).reshape(3, 1)))
print(combine(m, np.arange(3.0)))
