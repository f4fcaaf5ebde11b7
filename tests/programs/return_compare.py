# a function returning a comparison, a comparison of a loop counter, or a
# pair of them, called from native code and inlined
import numpy as np

LIMIT = 1_000_000


def under(x):
    return x < LIMIT


def between(x, lo, hi):
    return lo <= x and x < hi


def close(a, b):
    return abs(a - b) < 1e-9


def first_over(a, x):
    for i in range(a.shape[0]):
        if a[i] > x:
            return int(a[i]) > x + 1, i < 5
    return False, False


def count(n):
    c = 0
    for i in range(n):
        if under(i * 1000) and not close(i * 0.5, 3.0):
            c += 1
    return c


a = np.arange(10)
print(under(999999), under(LIMIT), under(-5))
print(between(3, 1, 5), between(5, 1, 5))
print(close(0.1 + 0.2, 0.3), close(1.0, 1.1))
print(first_over(a, 4), first_over(a, 5), first_over(a, 20))
print(count(2000))


def small(x):
    return x < 5


print(small(3), small(7))
