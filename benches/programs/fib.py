# Naive doubly recursive Fibonacci: call overhead.
from numba import njit


@njit
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main():
    f = fib(30)
    print("fib", f)
    assert f == 832040, "fib: wrong value"


if __name__ == "__main__":
    main()
