# Printing inside hot loops, in every form a program prints: ints, floats,
# bools, strings, None, tuples, arrays, NumPy scalars, sep and end, and
# output between calls and around an exception raised while printing
import numpy as np


def numbers(n):
    s = 0
    x = 0.0
    for i in range(n):
        s += i * i
        x = x * 0.5 + i / 7
        print(i, s, x, i % 3 == 0, -i, x * 1e20, 1.0 / (i + 1), x > 2.0)
    return s


def words(n):
    for i in range(n):
        print("row", i, sep=": ", end=" | ")
        print(None, True, "odd" if i % 2 else "even", sep="")
        if i % 4 == 3:
            print()


def tuples(n):
    a = np.arange(4.0)
    for i in range(n):
        print((i, "s", 2.5 * i), (None,), (a[i % 4], i > 2, "q'uote"))


def arrays(n):
    a = np.zeros(5)
    b = np.ones((2, 3), dtype=np.int32)
    flags = np.zeros(3, dtype=np.bool_)
    for i in range(n):
        a[i % 5] = i * 0.25
        b[i % 2, i % 3] = i
        flags[i % 3] = i % 2 == 0
        print(a, b, flags, a.dtype, b.dtype)
        print((a, flags[i % 3]), b[1], flags[i % 3])


def scalars(n):
    f = np.ones(3, dtype=np.float32)
    u = np.zeros(3, dtype=np.uint8)
    for i in range(n):
        f[i % 3] = f[i % 3] * 1.1
        u[i % 3] = u[i % 3] + 70
        print(f[i % 3], u[i % 3], (f[0], u[0]))


print(numbers(40))
words(9)
tuples(6)
arrays(7)
scalars(8)
