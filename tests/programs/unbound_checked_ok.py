# names that may be unassigned where they are read, but are assigned every
# time the program reaches those reads: the checks pass and cost nothing else
import numpy as np


def pick(n):
    for i in range(n):
        if i == 2:
            mid = i * 1.5
    return mid


def fill(n):
    for i in range(n):
        if i == 0:
            out = np.zeros(n)
        out[i] = i * i
    return out


def nothing(flag):
    if flag:
        v = None
    return v


def pairs(n):
    k = 0
    while k < n:
        k += 1
        if k == 1:
            lo, hi = k, k * 2
        else:
            lo, hi = hi, hi + lo
    return lo, hi


def counted(n):
    for i in range(n):
        total = 0
    for j in range(n):
        total += j
    return total


print(pick(5))
print(fill(4))
print(nothing(True))
print(pairs(6))
print(counted(5))
