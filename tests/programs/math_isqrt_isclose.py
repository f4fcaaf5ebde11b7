# math.isqrt and math.isclose, with CPython's results and errors
import math
from numba import njit


@njit
def roots(n):
    s = 0
    for k in range(n):
        s += math.isqrt(k * k + k)
    return s, math.isqrt(0), math.isqrt(2**62), math.isqrt(2**63 - 1), math.isqrt(99)


@njit
def close(x):
    print(math.isclose(x, x + 1e-10), math.isclose(x, x + 1e-3), math.isclose(1.0, 1.1, rel_tol=0.1))
    print(math.isclose(0.0, 1e-12), math.isclose(0.0, 1e-12, abs_tol=1e-9), math.isclose(math.inf, math.inf))
    print(math.isclose(math.inf, 1e308), math.isclose(math.nan, math.nan), math.isclose(3, 3), math.isclose(x, 2, abs_tol=1))


print(roots(100))
close(1.5)
print(math.isclose(1.0, 2.0, rel_tol=-1.0))
