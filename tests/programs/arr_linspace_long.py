# linspace and float arange over lengths that are not a multiple of the
# fill's vector width: every element must be NumPy's, to the last bit.
import numpy as np
from numba import njit


@njit
def check(n, lo, hi, endpoint):
    a = np.linspace(lo, hi, n, endpoint=endpoint)
    s = 0.0
    for i in range(n):
        s += a[i] * (i % 7 + 1)
    print(n, a[0], a[n // 3], a[n - 2], a[n - 1], s)


@njit
def aranges(lo, step, n):
    a = np.arange(lo, lo + step * n, step)
    t = 0.0
    for i in range(a.shape[0]):
        t += a[i] * (i % 5 + 1)
    print(a.shape[0], a[0], a[a.shape[0] - 1], t)


def main():
    for n in (2, 7, 9, 17, 1001, 100003):
        check(n, 0.1, 3.7, True)
        check(n, -2.5e10, 1.0 / 3.0, False)
    aranges(0.1, 0.3, 1003)
    aranges(-7.25, 1.0 / 7.0, 99991)


main()
