import numpy as np


def pick(w):
    return np.random.choice(4, 3, p=w)


np.random.seed(3)
print(pick(np.array([0.25, 0.25, 0.25, 0.25])))
print(pick(np.array([0.25, 0.25, 0.25, 0.2499], dtype=np.float32)))
print(pick(np.array([0.25, 0.25, 0.25, 0.2499])))
