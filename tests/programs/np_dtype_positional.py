# dtype given positionally wherever NumPy takes it there, and dtype aliases
import numpy as np
from numpy import float32

DT = np.float32
IT = np.int16


def build(n):
    a = np.zeros(n, np.int64)
    b = np.ones((2, n), np.float32)
    c = np.empty(n, np.uint8)
    c[:] = 250
    d = np.full(n, 7, np.int8)
    e = np.full((n, 2), 0.5, DT)
    print(a, a.dtype, b.dtype, c, c.dtype, d, d.dtype, e.dtype)
    print(np.arange(0, n, 1, np.float32), np.arange(n, dtype=IT).dtype)
    print(np.zeros_like(b, np.int32), np.ones_like(a, float).dtype)
    print(np.full_like(a, 3, np.uint16), np.empty_like(b, dtype=bool).dtype)
    print(np.array([1, 2, 3], np.float32), np.array([[1.5, 2.5]], IT))
    print(np.zeros(n, int).dtype, np.zeros(n, float).dtype, np.zeros(n, bool))
    print(a.astype(DT), b.astype(IT).dtype, np.zeros(2, float32).dtype)
    return e.sum()


def inner(n, dt_sum):
    z = np.zeros(n, np.int32)
    for i in range(n):
        z[i] = i * i
    return z.sum() + dt_sum


print(build(3))
print(inner(5, 0.25))
x = np.zeros(3, DT)
print(x, x.dtype, np.ones(2, IT) * 3)
