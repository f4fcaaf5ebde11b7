# many temporaries in loops and expressions, arrays dropped by rebinding,
# arrays returned through several frames, and views outliving their bases
import numpy as np


def poly(x):
    return x * x * 3 + x * 2 - 1


def keep_view(n):
    base = np.arange(n) * 10
    return base[1::2]


def rebind(n):
    a = np.zeros(n)
    for i in range(20):
        a = a + i
        a = np.sqrt(a * a)
    return a


def nested(x, d):
    if d == 0:
        return x.copy()
    t = x + d
    u = t * 2
    return nested(u - t, d - 1)


def main():
    acc = 0.0
    for i in range(200):
        x = np.linspace(0, 1, 16)
        acc += poly(x).sum() + np.where(x > 0.5, x, 0.0).max()
    print(round(acc, 6))
    v = keep_view(10)
    print(v)
    w = v[::2]
    v = w
    print(w, v)
    print(rebind(5))
    print(nested(np.arange(4), 10))
    m = np.ones((8, 8))
    for k in range(50):
        m = (m @ m) / 8
    print(m[0])
    s = 0
    for i in range(100):
        t = np.arange(i + 1)
        r = t[::-1]
        s += r[0] + (t > 3).sum()
    print(s)
    cols = np.zeros(0, dtype=np.int64)
    for i in range(10):
        c = np.arange(12).reshape(3, 4)[:, i % 4]
        cols = c
    print(cols)


main()
