# Element reads and writes of 64-bit dtypes, through views with strides,
# transposes, negative indices, and the bounds check at both ends.
import numpy as np


def total(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    return s


def total2(m):
    s = 0
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            s += m[i, j] * (i + 1)
    return s


def fill_back(a):
    n = a.shape[0]
    for i in range(1, n + 1):
        a[-i] = i * 1.5


def grid(n):
    m = np.zeros((n, n + 1), dtype=np.int64)
    for i in range(n):
        for j in range(n + 1):
            m[i, j] = i * 10 + j
    m[-1, -1] = -7
    return m


a = np.arange(10.0)
print(total(a), total(a[::3]), total(a[::-1]), total(a[7:2:-2]))
fill_back(a[1::2])
print(a)
m = grid(3)
print(m)
print(total2(m), total2(m.T), total2(m[:, 1::2]))
u = np.zeros(4, dtype=np.uint64)
u[0] = 2**62 + 5
u[-1] = 7
print(u, u[0], u[-4] == u[0])
f = np.ones((2, 3)).T
f[2, 1] = 4.25
print(f, f[-1, -1], f[2, 1])
print(a[9], a[-10])
print(m[2, -4])
print(m[3, 0])
