# writing below the start with a too-negative index raises IndexError
import numpy as np


def fill(a, n):
    for i in range(n):
        a[-i - 1] = i
        print("wrote", i)


a = np.zeros(3, dtype=np.int32)
fill(a, 3)
print(a)
fill(a, 4)
print("unreachable")
