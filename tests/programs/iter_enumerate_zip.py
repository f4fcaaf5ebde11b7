# enumerate and zip in for loops, with tuple targets and one level of nesting
import numpy as np


def weighted(a, w):
    s = 0.0
    for x, y in zip(a, w):
        s += x * y
    return s


def positions(a, x):
    n = 0
    for i, v in enumerate(a):
        if v == x:
            n += i
    return n


def three(a, b, c):
    t = 0
    for i, (x, y) in enumerate(zip(a, b)):
        t += i * x - y
    for x, y, z in zip(a, b, c):
        t += x + y + z
    for x, y, z, k in zip(a, b, c, range(10, 0, -2)):
        t += k
    return t


def rows(m):
    for i, row in enumerate(m):
        print(i, row, row.sum())
    for r, s in zip(m, m[::-1]):
        print(r - s)
    for j, (u, v) in enumerate(zip(range(3), range(5, 100, 7)), 1):
        print(j, u, v)
    for k, x in enumerate(m[0], start=-2):
        print(k, x)


def reassign(a):
    n = 3
    for i, x in enumerate(range(n)):
        n = 100
        a = a * 0
        print(i, x, n)
    else:
        print("done", n)
    for x, y in zip(range(4), range(2)):
        if x == 1:
            break
        print(x, y)
    else:
        print("not reached")
    return a


a = np.array([1.5, 2.0, -0.5])
w = np.array([2.0, 0.5, 4.0, 8.0])
print(weighted(a, w), positions(np.array([3, 1, 3, 3]), 3))
print(three(np.array([1, 2, 3]), np.array([4, 5, 6, 7]), np.array([9, 8])))
rows(np.arange(6).reshape(2, 3))
print(reassign(a))
for i, c in enumerate(zip(a, w)):
    print(i, c)
