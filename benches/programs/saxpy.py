# In-place saxpy, y[i] += alpha * x[i], over 10**6 float64, repeated.
import numpy as np
from numba import njit

N = 1000000
REPS = 10


@njit
def saxpy(alpha, x, y):
    for i in range(len(x)):
        y[i] += alpha * x[i]


@njit
def run(n, reps):
    x = np.empty(n)
    y = np.empty(n)
    for i in range(n):
        x[i] = (i % 17) * 0.5
        y[i] = (i % 13) * 0.25
    for r in range(reps):
        saxpy(0.5, x, y)
    return y[0] + y[1] + y[n // 2] + y[n - 1]


def main():
    c = run(N, REPS)
    print("saxpy", round(c, 9))


if __name__ == "__main__":
    main()
