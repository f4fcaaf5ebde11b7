# a function whose every path returns, through loop else branches
import numpy as np


def find(a, x):
    for i in range(len(a)):
        if a[i] == x:
            return i
    else:
        return -1


def first_power_over(base, limit):
    p = 1
    while p <= limit:
        p *= base
        if p == 64:
            return -p
    else:
        return p


def search2(m, x):
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if m[i, j] == x:
                return (i, j)
        else:
            continue
    else:
        return (-1, -1)


def nested_break(n):
    k = 0
    while True:
        for i in range(n):
            k += i
            if k > 10:
                break
        else:
            break
        return k
    return -k


def is_prime(n):
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    else:
        return True


a = np.array([3, 1, 4, 1, 5, 9, 2, 6])
print(find(a, 5), find(a, 7), find(a, 3))
print(first_power_over(2, 100), first_power_over(3, 100), first_power_over(10, 5))
print(search2(a.reshape(2, 4), 9), search2(a.reshape(4, 2), 8))
print(nested_break(3), nested_break(10))
print(is_prime(97), is_prime(91), is_prime(1))
