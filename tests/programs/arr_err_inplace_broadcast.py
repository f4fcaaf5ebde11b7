# an in-place operator whose operand does not broadcast to the target's
# shape raises ValueError (NumPy names the output shape too)
import numpy as np


def grow(acc, x):
    acc += x
    return acc


acc = np.zeros((2, 3))
print(grow(acc, np.arange(3.0)))
print(grow(acc, np.ones((3, 1))))
