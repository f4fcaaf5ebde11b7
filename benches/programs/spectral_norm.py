# Spectral norm of the infinite matrix A(i, j) = 1/((i+j)(i+j+1)/2 + i + 1),
# with the helper eval_a called in the inner loops.
import math

import numpy as np
from numba import njit

N = 400
ITERS = 10


@njit
def eval_a(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


@njit
def mul_av(v, out):
    n = len(v)
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += eval_a(i, j) * v[j]
        out[i] = s


@njit
def mul_atv(v, out):
    n = len(v)
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += eval_a(j, i) * v[j]
        out[i] = s


@njit
def mul_atav(v, out, tmp):
    mul_av(v, tmp)
    mul_atv(tmp, out)


@njit
def spectral_norm(n, iters):
    u = np.ones(n)
    v = np.zeros(n)
    tmp = np.zeros(n)
    for k in range(iters):
        mul_atav(u, v, tmp)
        mul_atav(v, u, tmp)
    vbv = 0.0
    vv = 0.0
    for i in range(n):
        vbv += u[i] * v[i]
        vv += v[i] * v[i]
    return math.sqrt(vbv / vv)


def main():
    r = spectral_norm(N, ITERS)
    print("spectral_norm", round(r, 9))


if __name__ == "__main__":
    main()
