# A first Kiln program: runs unchanged under CPython, Numba and Kiln.
from numba import njit


@njit
def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def main():
    best, arg = 0, 0
    for n in range(1, 10000):
        s = collatz_steps(n)
        if s > best:
            best, arg = s, n
    print("longest Collatz chain below 10000 starts at", arg, "with", best, "steps")


if __name__ == "__main__":
    main()
