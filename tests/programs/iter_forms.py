# loops over tuple literals and tuples, a.flat and np.ndindex
import numpy as np


def neighbours(m, i, j):
    s = 0
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if not (di == 0 and dj == 0):
                ii = i + di
                jj = j + dj
                if 0 <= ii < m.shape[0] and 0 <= jj < m.shape[1]:
                    s += m[ii, jj]
    return s


def mixed():
    t = 0.0
    for x in (1, 2.5, True):
        t += x
    for k, v in enumerate((10, 20, 30)):
        t += k * v
    dims = (3, 4, 5)
    p = 1
    for d in dims:
        p *= d
    return t, p


def flat_sum(m):
    s = 0
    for v in m.flat:
        s += v
    return s


def flat_index(m):
    print(m.flat[0], m.flat[5], m.flat[-1])
    m.flat[3] = 99
    print(m)
    for i, v in enumerate(m.T.flat):
        if i < 4:
            print(i, v)


def walk(m):
    total = 0
    for idx in np.ndindex(m.shape):
        total += m[idx] * (idx[0] + 1)
    for i, j in np.ndindex(2, 3):
        print(i, j, end="; ")
    print()
    for (k,) in np.ndindex(3):
        print(k, end=" ")
    print()
    return total


m = np.arange(12).reshape(3, 4)
print(neighbours(m, 1, 1), neighbours(m, 0, 0))
print(mixed())
print(flat_sum(m), flat_sum(m.T), flat_sum(m[:, ::2]))
flat_index(m.copy())
print(walk(m), walk(m[::2, 1:]))
for a in (np.zeros(2), np.ones(2)):
    print(a)
