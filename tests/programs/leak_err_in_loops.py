# IndexError raised inside nested for-loops over temporary arrays (the loop
# iterables are alive only in the loops) and in the middle of an expression
# whose left operand is a temporary: nothing may leak
import numpy as np


def mid(a, b, k):
    return (a * 2 + 1) * (b[k] + np.ones(3))


def walk(a, k):
    for x in a[::2] * 3:
        for row in np.arange(6).reshape(2, 3) + x:
            print(mid(np.arange(3.0), row * 1.0, k), row[k])


def main():
    walk(np.arange(4), 2)
    walk(np.arange(4), 3)


main()
