# Two operations in a row, the first's result the second's first operand:
# one joint loop. Operands at every offset from a line (slices), scalars,
# the last operand the first, in-place and overlapping outputs, and rows
# of a 2-D array: each result must be the two operations' own.
import numpy as np
from numba import njit


@njit
def show(x):
    print(x.sum(), x[0], x[x.shape[0] - 1])


@njit
def run(n):
    a = np.arange(n) * 7 - 300
    b = np.arange(n) % 13 - 6
    f = np.arange(n) * 0.37 - 11.0
    g = np.arange(n) % 11 * 1.5 - 4.0
    for k in range(4):
        x = a[k:]
        y = b[: n - k]
        u = f[k:]
        v = g[: n - k]
        show(x * 2 + x)
        show((x - y) * y)
        show((x + 3) - y)
        show((x * y) * 5)
        show(u * 2.5 + u)
        show((u - v) * v)
        show((u + 0.25) - 1.5)
        show((u * v) * u)
    c = a.copy()
    c[:] = c * 3 - c
    show(c)
    d = a.copy()
    d[1:] = d[:-1] * 2 + d[1:]
    show(d)
    e = f.copy()
    e[:-1] = e[1:] * 0.5 - e[:-1]
    show(e)
    m = (np.arange(3 * n) * 0.5).reshape((3, n))
    r = (m[:, 1:] - m[:, :-1]) * m[:, 1:]
    print(r.sum(), r.shape)
    w = (m * 2.0 + np.arange(n) * 1.0)
    print(w.sum(), w[2, n - 1])


run(1003)
run(64)
run(9)


@njit
def roots(n):
    a = np.linspace(0.0, 3.0, n)
    b = np.linspace(4.0, -1.0, n)
    for k in range(3):
        x = a[k:]
        y = b[: n - k]
        show(np.sqrt(x * x + y * y))
        show(np.sqrt(x * y))
        show(np.sqrt(x - y))
        show(np.sqrt(x / (y + 0.5)) * 2.0)
    c = a.copy()
    c[1:] = np.sqrt(c[:-1] + c[1:])
    show(c)


roots(1001)
roots(10)
