# np.isclose broadcasts its operands, with NumPy's error when they do not fit
import numpy as np


def near(a, b):
    return np.isclose(a, b)


print(near(np.zeros(3), np.zeros((2, 1))))
print(near(np.zeros(3), np.zeros(2)))
print("unreachable")
