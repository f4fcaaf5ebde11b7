# np.random.randint with an empty range raises NumPy's ValueError
import numpy as np


def draw(lo, hi):
    return np.random.randint(lo, hi, size=3)


np.random.seed(0)
print(draw(0, 5))
print(np.random.randint(5, 1, size=(0, 2)))
print(draw(5, 5))
