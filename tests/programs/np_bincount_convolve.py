# np.bincount, np.convolve and np.linalg.norm
import numpy as np
from numba import njit


@njit
def counts(x):
    print(np.bincount(x), np.bincount(x, minlength=8), np.bincount(x, minlength=2))
    print(np.bincount(x, weights=np.linspace(0.0, 1.0, len(x))))
    print(np.bincount(x.astype(np.uint8)), np.bincount(x > 2), np.bincount(x[:0]))
    h = np.bincount(x)
    print(np.argmax(h), h.sum())


@njit
def convolutions(a, k):
    print(np.convolve(a, k), np.convolve(k, a))
    print(np.convolve(a, k, mode="same"), np.convolve(a, k, "valid"))
    print(np.convolve(np.arange(5), np.array([1, -1])), np.convolve(a, 2.0))
    print(np.convolve(np.arange(4, dtype=np.int32), np.ones(2, np.float32)))
    print(np.convolve(np.ones(3), np.ones(3), "same"), np.convolve(np.ones(2), np.ones(5), "valid"))


@njit
def norms(v, m):
    print(np.linalg.norm(v), np.linalg.norm(m), np.linalg.norm(np.arange(4)))
    print(np.linalg.norm(v.astype(np.float32)), np.linalg.norm(m.T), np.linalg.norm(v[::2]))
    return np.linalg.norm(v - 1) / np.sqrt(len(v))


counts(np.array([0, 1, 1, 3, 2, 1, 7]))
convolutions(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([0.25, 0.5, 0.25]))
print(norms(np.array([3.0, 4.0, 12.0]), np.arange(6.0).reshape(2, 3)))
print(np.bincount(np.array([1, -1, 2])))
