# reductions with keepdims=True, as normalisations write them
import numpy as np
from numba import njit


@njit
def softmax_rows(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@njit
def shapes(m, v):
    print(np.sum(m, axis=0, keepdims=True), m.mean(axis=-1, keepdims=True))
    print(np.max(m, keepdims=True), m.sum(keepdims=True).shape, np.min(m, axis=1, keepdims=False))
    print(np.sum(v, keepdims=True), v.mean(axis=0, keepdims=True), np.argmax(m, axis=0, keepdims=True))
    print(m - m.mean(axis=0, keepdims=True), np.prod(m, 1, keepdims=True).dtype)


print(softmax_rows(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])))
shapes(np.arange(6.0).reshape(2, 3), np.array([1, 2, 3]))
