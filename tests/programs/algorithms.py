# small numeric algorithms mixing everything
import math


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_primes(limit):
    c = 0
    for n in range(limit):
        if is_prime(n):
            c += 1
    return c


def newton_sqrt(x):
    g = x / 2.0 if x > 1.0 else 1.0
    for i in range(60):
        ng = 0.5 * (g + x / g)
        if ng == g:
            break
        g = ng
    return g


def leibniz_pi(terms):
    s = 0.0
    sign = 1.0
    for k in range(terms):
        s += sign / (2 * k + 1)
        sign = -sign
    return 4.0 * s


def lcg(seed, n):
    x = seed
    for i in range(n):
        x = (1103515245 * x + 12345) % 2147483648
    return x


def digit_sum(n):
    s = 0
    while n > 0:
        s += n % 10
        n //= 10
    return s


def bisect_root(lo, hi):
    # root of x**3 - 2x - 5
    for i in range(100):
        mid = (lo + hi) / 2.0
        if mid ** 3 - 2.0 * mid - 5.0 > 0.0:
            hi = mid
        else:
            lo = mid
    return lo


print(count_primes(2000))
print(newton_sqrt(2.0), math.sqrt(2.0), newton_sqrt(1e6), newton_sqrt(0.25))
print(leibniz_pi(1000))
print(lcg(42, 1000), lcg(1, 1))
print(digit_sum(9223372036854775807), digit_sum(0))
print(bisect_root(2.0, 3.0))
