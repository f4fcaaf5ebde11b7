# Naive triple-loop matrix multiply, 200x200 float64.
import numpy as np
from numba import njit

N = 200


@njit
def fill(n, k):
    a = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            a[i, j] = ((i * k + j) % 19) * 0.125 - 1.0
    return a


@njit
def matmul(a, b):
    n = a.shape[0]
    m = b.shape[1]
    p = a.shape[1]
    c = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            s = 0.0
            for k in range(p):
                s += a[i, k] * b[k, j]
            c[i, j] = s
    return c


def main():
    a = fill(N, 3)
    b = fill(N, 7)
    c = matmul(a, b)
    print("matmul", round(c.sum(), 6), round(c[17, 33], 9), round(c[N - 1, N - 1], 9))


if __name__ == "__main__":
    main()
