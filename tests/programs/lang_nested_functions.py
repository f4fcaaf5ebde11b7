# functions defined inside functions and called there: they read the
# enclosing function's variables as they are when called
import numpy as np
from numba import njit


@njit
def outer(n):
    def helper(k):
        return k * 2 + 1

    t = 0
    for i in range(n):
        t += helper(i)
    return t


@njit
def scaled(a, factor):
    offset = 1.0

    def f(x, power=1):
        return factor * x**power + offset

    def g(x):
        return f(x) - f(x, 2)

    first = f(a[0])
    offset = 10.0
    out = np.empty_like(a)
    for i in range(len(a)):
        out[i] = g(a[i])
    return first, out


@njit
def fib_table(n):
    def fib(k):
        if k < 2:
            return k
        return fib(k - 1) + fib(k - 2)

    res = np.zeros(n, dtype=np.int64)
    for i in range(n):
        res[i] = fib(i)
    return res


@njit
def checked(x):
    limit = 3

    def check(v):
        if v > limit:
            raise ValueError(f"{v} is over the limit {limit}")
        return v

    return check(x) + check(x + 1)


print(outer(5))
print(scaled(np.array([1.0, 2.0, 3.0]), 2.0))
print(fib_table(10))
print(checked(1))
print(checked(3))
