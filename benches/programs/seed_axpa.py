# The seed expression: `a * 2 + a` on 10**6 int64 (two temporaries, one
# freed inside the expression), repeated REPS times.
import numpy as np
from numba import njit

N = 1000000
REPS = 20


@njit
def axpa(a):
    return a * 2 + a


@njit
def run(n, reps):
    a = np.arange(n)
    check = 0
    b = axpa(a)
    for r in range(reps):
        b = axpa(a)
        check += b[r] + b[n - 1 - r]
    return check + b.sum()


def main():
    c = run(N, REPS)
    print("seed_axpa", c)
    assert c == 1500058499940, "seed_axpa: wrong checksum"


if __name__ == "__main__":
    main()
