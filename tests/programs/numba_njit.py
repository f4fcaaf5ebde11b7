# numba decorators are accepted and ignored.
# Expected output: produced by CPython running a copy of this file with the
# numba import and decorator lines removed (numba is not installed).
import math
from numba import njit, jit
import numba


@njit
def square(x):
    return x * x


@njit(cache=True)
def norm(a, b):
    return math.sqrt(square(a) + square(b))


@jit(nopython=True)
def tri(n):
    s = 0
    for i in range(n + 1):
        s += i
    return s


@numba.njit
def cube(x):
    return x * square(x)


@numba.jit(nopython=True, cache=False)
def harmonic(n):
    h = 0.0
    for k in range(1, n + 1):
        h += 1.0 / k
    return h


@numba.njit()
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


print(square(7), square(1.5))
print(norm(3.0, 4.0), norm(1, 1))
print(tri(100), cube(3), cube(0.5))
print(harmonic(10))
print(fact(15))
