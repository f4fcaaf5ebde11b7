# 2-D row and column views m[i] and m[:, j] share memory with m
import numpy as np


def col_sum(c):
    s = 0
    for i in range(len(c)):
        s += c[i]
    return s


def main():
    m = np.arange(12).reshape(3, 4)
    r = m[1]
    c = m[:, 2]
    print(r, r.shape, c, c.shape)
    r[0] = 40
    c[0] = 20
    print(m)
    m[2, 2] = -2
    print(c)
    print(col_sum(c), col_sum(m[:, 0]), col_sum(m[0]))
    c += 100
    print(m)
    r *= 2
    print(m)
    sub = m[1:, 1:3]
    print(sub, sub.shape)
    sub[0, 0] = 0
    print(m[1])
    cc = m[:, -1]
    print(cc * 2)
    print(m[0:2][1])
    print(m[2][1:3])
    f = np.ones((2, 3))
    f[1] = np.array([1.5, 2.5, 3.5])
    f[:, 0] = 9.0
    print(f)
    rows = np.zeros((3, 3))
    for i in range(3):
        row = rows[i]
        for j in range(3):
            row[j] = i * 3 + j
    print(rows)
    cols = rows.T
    print(cols[0], cols[:, 0])


main()
