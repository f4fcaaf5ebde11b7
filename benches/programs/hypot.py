# Whole-array expression np.sqrt(a*a + b*b) on 10**6 float64, repeated.
import numpy as np
from numba import njit

N = 1000000
REPS = 10


@njit
def hypot(a, b):
    return np.sqrt(a * a + b * b)


@njit
def run(n, reps):
    a = np.linspace(0.0, 3.0, n)
    b = np.linspace(4.0, 0.0, n)
    check = 0.0
    for r in range(reps):
        h = hypot(a, b)
        check += h[0] + h[n // 3] + h[n - 1]
    return check


def main():
    c = run(N, REPS)
    print("hypot", round(c, 9))


if __name__ == "__main__":
    main()
