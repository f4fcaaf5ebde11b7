# np.tile, np.repeat, np.roll, np.triu, np.tril and np.meshgrid
import numpy as np
from numba import njit


@njit
def shapes(a, m):
    print(np.tile(a, 2), np.tile(a, (2, 2)), np.tile(m, 2), np.tile(m, (2, 1, 1)).shape)
    print(np.tile(5, 3), np.tile(a, 0), np.repeat(a, 2), np.repeat(m, 3), np.repeat(a, 0))
    print(np.roll(a, 1), np.roll(a, -4), np.roll(m, 1), np.roll(m, 1, axis=0), np.roll(m, -1, 1))
    print(np.triu(m), np.tril(m), np.triu(m, 1), np.tril(m, -1), np.triu(m.T, -1))


@njit
def grid(x, y):
    X, Y = np.meshgrid(x, y)
    print(X, Y, X + Y)
    I, J = np.meshgrid(x, y, indexing="ij")
    print(I, J, np.meshgrid(np.arange(2), y)[0].dtype)


shapes(np.array([1, 2, 3]), np.arange(1.0, 7.0).reshape(2, 3))
grid(np.linspace(0.0, 1.0, 3), np.array([10.0, 20.0]))
print(np.repeat(np.arange(3), -1))
