# Longest Collatz chain for a starting value below LIMIT (no memoisation;
# scaled from 10**6 to 5 * 10**5 to keep the interpreter run near 1.5 s).
from numba import njit

LIMIT = 500000


@njit
def chain(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@njit
def longest(limit):
    best = 0
    best_n = 1
    for n in range(1, limit):
        s = chain(n)
        if s > best:
            best = s
            best_n = n
    return best_n, best


def main():
    n, steps = longest(LIMIT)
    print("collatz", n, steps)
    assert n == 410011 and steps == 448, "collatz: wrong answer"


if __name__ == "__main__":
    main()
