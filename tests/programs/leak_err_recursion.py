# unbounded recursion with arrays (a fresh one and a view) alive in each of
# the ~1000 frames ends in RecursionError; every frame's arrays are freed
import numpy as np


def down(a, n):
    b = a + 1
    v = b[::2]
    if n % 250 == 0:
        print("depth", n, v[0])
    return down(b, n + 1) + v[0]


def start():
    base = np.zeros(4, dtype=np.int64)
    print(down(base, 1))


start()
