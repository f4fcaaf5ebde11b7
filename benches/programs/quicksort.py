# Recursive in-place quicksort (Hoare partition, middle pivot) of 10**6
# float64 made by a linear congruential generator.
import numpy as np
from numba import njit

N = 1000000


@njit
def lcg_fill(n, seed):
    a = np.empty(n)
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) % 2147483648
        a[i] = x / 2147483648.0
    return a


@njit
def quicksort(a, lo, hi):
    if lo >= hi:
        return
    pivot = a[(lo + hi) // 2]
    i = lo
    j = hi
    while i <= j:
        while a[i] < pivot:
            i += 1
        while a[j] > pivot:
            j -= 1
        if i <= j:
            a[i], a[j] = a[j], a[i]
            i += 1
            j -= 1
    quicksort(a, lo, j)
    quicksort(a, i, hi)


@njit
def is_sorted(a):
    for i in range(len(a) - 1):
        if a[i] > a[i + 1]:
            return False
    return True


def main():
    a = lcg_fill(N, 42)
    s0 = a.sum()
    quicksort(a, 0, len(a) - 1)
    assert is_sorted(a), "quicksort: not sorted"
    assert abs(a.sum() - s0) < 1e-6, "quicksort: elements changed"
    print("quicksort", round(a[0], 12), round(a[N // 2], 12), round(a[N - 1], 12))


if __name__ == "__main__":
    main()
