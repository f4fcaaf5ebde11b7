# A scalar float reduction written as a loop over 10**6 float64.
import numpy as np
from numba import njit

N = 1000000
REPS = 10


@njit
def fill(n):
    a = np.empty(n)
    for i in range(n):
        a[i] = (i % 1000) * 0.001
    return a


@njit
def sum_loop(a):
    s = 0.0
    for i in range(len(a)):
        s += a[i]
    return s


@njit
def run(n, reps):
    a = fill(n)
    total = 0.0
    for r in range(reps):
        total += sum_loop(a)
    return total


def main():
    t = run(N, REPS)
    print("sum_loop", round(t, 6))
    assert abs(t - 4995000.0) < 1e-3, "sum_loop: wrong sum"


if __name__ == "__main__":
    main()
