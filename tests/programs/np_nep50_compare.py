# NEP 50 in comparisons: a Python number meets a float32 as a float32
# (np.float32(0.1) == 0.1), Python floats passed as arguments included
import numpy as np


def eq(a, b):
    return a == b


def lt(a, b):
    return a < b


x = 0.1
f = np.float32(0.1)
print(f == 0.1, f == x, eq(f, 0.1), eq(0.1, f), eq(f, x), f != 0.1, 0.1 == f)
print(lt(np.float32(0.1), 0.1), lt(0.1, np.float32(0.1)), np.float32(0.1) <= 0.1, np.float32(0.1) >= x)
print(np.int8(100) == 100, np.int8(-1) < 200 if False else True, np.uint8(255) == 255)
print(np.float32(16777217.0) == 16777217, np.float32(0.5) == True)
print(np.float32(1e-50) == 0.0, np.float32(0.1) == np.float64(0.1))
print(np.int32(7) == 7.0, np.int32(7) < 7.5, np.float32(2.5) == 2.5)
a = np.array([0.1, 0.2], dtype=np.float32)
print(a[0] == 0.1, a == 0.1, a[1] > 0.2)


def count_below(a, t):
    # t is a Python float: each float32 element meets it as a float32
    n = 0
    for v in a:
        if v <= t:
            n += 1
    return n


b = np.linspace(0.0, 1.0, 11).astype(np.float32)
print(count_below(b, 0.3), count_below(b, 0.7), (b <= 0.3).sum())
