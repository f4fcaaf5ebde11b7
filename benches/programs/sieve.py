# Sieve of Eratosthenes up to 10**7 with explicit loops over a bool array.
import numpy as np
from numba import njit

LIMIT = 10000000


@njit
def sieve(n):
    is_prime = np.ones(n + 1, dtype=np.bool_)
    is_prime[0] = False
    is_prime[1] = False
    i = 2
    while i * i <= n:
        if is_prime[i]:
            j = i * i
            while j <= n:
                is_prime[j] = False
                j += i
        i += 1
    count = 0
    for k in range(n + 1):
        if is_prime[k]:
            count += 1
    return count


def main():
    c = sieve(LIMIT)
    print("sieve", c)
    assert c == 664579, "sieve: wrong prime count"


if __name__ == "__main__":
    main()
