import random
import numpy as np


def pick(a):
    return random.choice(a)


random.seed(4)
print(pick(np.arange(3)))
print(pick(np.arange(3)[3:]))
