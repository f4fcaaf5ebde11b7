# A dot product written as a loop over two 10**6 float64 arrays.
import numpy as np
from numba import njit

N = 1000000
REPS = 10


@njit
def fill(n, k):
    a = np.empty(n)
    for i in range(n):
        a[i] = ((i * k) % 101) * 0.01
    return a


@njit
def dot_loop(x, y):
    s = 0.0
    for i in range(len(x)):
        s += x[i] * y[i]
    return s


@njit
def run(n, reps):
    x = fill(n, 3)
    y = fill(n, 7)
    total = 0.0
    for r in range(reps):
        total += dot_loop(x, y)
    return total


def main():
    t = run(N, REPS)
    print("dot_loop", round(t, 4))


if __name__ == "__main__":
    main()
