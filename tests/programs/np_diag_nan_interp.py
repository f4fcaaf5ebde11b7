# np.diag (both ways, with k), np.nan_to_num and np.interp
import numpy as np
from numba import njit


@njit
def diags(v, m):
    print(np.diag(v))
    print(np.diag(v, 1))
    print(np.diag(v, -2))
    print(np.diag(m), np.diag(m, 1), np.diag(m, -1), np.diag(m, 5), np.diag(m.T, 2))
    print(np.diag(np.arange(3) > 0), np.diag(np.diag(v)), np.diag(np.ones((2, 3), np.int32), -1))


@njit
def nans(a, f):
    print(np.nan_to_num(a))
    print(np.nan_to_num(a, nan=-1.0, posinf=9.0))
    print(np.nan_to_num(a, neginf=0), np.nan_to_num(f))
    print(np.nan_to_num(np.arange(3)), np.nan_to_num(np.nan), np.nan_to_num(np.float32(np.inf)))
    b = a.reshape(2, 2)
    print(np.nan_to_num(b, copy=True), a)


@njit
def interps(xp, fp):
    print(np.interp(np.array([-1.0, 0.0, 0.5, 1.5, 2.0, 3.0, np.nan]), xp, fp))
    print(np.interp(2.5, xp, fp), np.interp(1, xp, fp), np.interp(np.float32(0.25), xp, fp))
    print(np.interp(np.array([-5.0, 5.0]), xp, fp, left=-1.0, right=99))
    print(np.interp(np.arange(6).reshape(2, 3) / 2, xp, fp))
    print(np.interp(np.array([0.0, 1.0, 2.0]), np.array([1.0]), np.array([7.0])))
    print(np.interp(np.array([0.5, 1.5]), np.array([0, 1, 2]), np.array([0, 10, 0])))
    print(np.interp(np.array([0.5]), np.array([0.0, 1.0]), np.array([np.inf, np.inf])))


diags(np.array([1, 2, 3]), np.arange(12.0).reshape(3, 4))
nans(np.array([1.0, np.nan, np.inf, -np.inf]), np.array([np.nan, np.inf], dtype=np.float32))
interps(np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 20.0]))
print(np.interp(1.0, np.array([0.0, 1.0]), np.array([1.0, 2.0, 3.0])))
