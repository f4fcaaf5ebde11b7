# reshaping to a shape with a different size raises ValueError
import numpy as np


def shape_it(a, r):
    return a.reshape(r, 4)


a = np.arange(12)
print(shape_it(a, 3))
print(shape_it(a, 5))
