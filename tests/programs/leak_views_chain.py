# views of views of temporaries, arrays stored in tuples, arrays shadowed in
# several specialisations; every block must be freed exactly once
import numpy as np


def views(n):
    a = np.arange(n * n).reshape(n, n)
    r = a[1]
    c = a[:, 1]
    t = a.T
    d = t[::2, ::-1]
    return r, c, d


def tup(n):
    return np.ones(n), np.zeros(n, dtype=np.int8), n


def swap(a, b):
    return b, a


def spec(x):
    y = x + 1
    z = y * y
    return z[::2].copy()


def main():
    for i in range(3, 6):
        r, c, d = views(i)
        print(r.sum(), c.sum(), d.shape)
    o, z, n = tup(4)
    print(o, z, n)
    a = np.arange(3)
    b = np.arange(3, 6)
    for i in range(5):
        a, b = swap(a, b)
    print(a, b)
    print(spec(np.arange(6)), spec(np.arange(6.0)), spec(np.arange(6, dtype=np.int16)))
    print(spec(np.arange(12).reshape(4, 3)))
    base = np.arange(20)
    v = base[2:18]
    v2 = v[::3]
    v3 = v2[1:]
    base = np.zeros(1, dtype=np.int64)
    v = np.zeros(1, dtype=np.int64)
    print(v3, base, v)
    q = np.arange(4.0)
    p = q
    q = q * 2
    print(p, q)


main()
