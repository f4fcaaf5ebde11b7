# reshape (tuple and varargs, -1), .T of 2-D and 3-D arrays, and that both
# share memory with the base where NumPy says so
import numpy as np


def main():
    a = np.arange(12)
    m = a.reshape(3, 4)
    print(m, m.shape)
    m2 = a.reshape((4, 3))
    print(m2)
    m[0, 0] = 100
    print(a[0], m2[0, 0])
    print(a.reshape(2, -1).shape, a.reshape(-1, 6).shape, a.reshape(-1).shape)
    t = m.T
    print(t, t.shape)
    t[3, 2] = -7
    print(m[2])
    print(t.T.shape, (t.T == m).sum())
    r = np.arange(6).reshape(2, 3).reshape(3, 2).reshape(6)
    print(r)
    c = t.reshape(12)
    print(c)
    c[0] = 55
    print(m[0, 0], t[0, 0])
    s = m[:, 1:3].reshape(6)
    print(s)
    d3 = np.arange(24).reshape(2, 3, 4)
    print(d3.T.shape, d3.T[3, 2, 1], d3[1, 2, 3])
    print(d3.reshape(6, 4)[5], d3.reshape(4, -1).shape)
    v = np.arange(5).T
    print(v, v.shape)
    col = np.arange(4).reshape(4, 1)
    print(col, col.T)
    print((m.T @ np.ones(3)).shape)
    f = np.linspace(0, 1, 6).reshape(2, 3)
    print(f.T)
    sq = np.arange(9).reshape(3, 3)
    sq += sq.T.copy()
    print(sq)


main()
