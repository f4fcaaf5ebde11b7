# 2-D Jacobi relaxation (5-point stencil) on a square grid with fixed edges.
import numpy as np
from numba import njit

N = 200
ITERS = 100


@njit
def jacobi(n, iters):
    u = np.zeros((n, n))
    for j in range(n):
        u[0, j] = 1.0
    v = u.copy()
    for it in range(iters):
        for i in range(1, n - 1):
            for j in range(1, n - 1):
                v[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1])
        u, v = v, u
    return u


def main():
    u = jacobi(N, ITERS)
    print("jacobi", round(u.sum(), 6), round(u[1, N // 2], 9), round(u[10, N // 2], 12))


if __name__ == "__main__":
    main()
