# 2-D Jacobi relaxation written with whole-array slice expressions: each
# sweep builds temporaries from four shifted views of the grid.
import numpy as np
from numba import njit

N = 200
ITERS = 100


@njit
def jacobi_slices(n, iters):
    u = np.zeros((n, n))
    u[0, :] = 1.0
    v = u.copy()
    for it in range(iters):
        v[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
        u, v = v, u
    return u


def main():
    u = jacobi_slices(N, ITERS)
    print("jacobi_slices", round(u.sum(), 6), round(u[1, N // 2], 9), round(u[10, N // 2], 12))


if __name__ == "__main__":
    main()
