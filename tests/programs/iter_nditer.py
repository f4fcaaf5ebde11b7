# np.nditer: items are 0-d arrays, visited in memory order (order='K') as
# NumPy visits them, broadcasting several operands together.
import numpy as np


def total(a, b):
    s = 0.0
    for u, v in np.nditer((a, b)):
        s += u * v
    return s


def show(it_a):
    out = 0
    for x in np.nditer(it_a):
        out = out * 10 + int(x)
    return out


def main():
    a = np.arange(6).reshape(2, 3)
    b = np.linspace(0.0, 1.0, 3)
    for u, v in np.nditer((a, b)):
        print(u, v, u + v, u.shape, u.ndim, v.dtype)
    print(total(a, b), total(a, a))
    print(show(a), show(a.T), show(a[:, ::-1]), show(a[::-1, ::-1]), show(a[::-1]))
    c = np.arange(24).reshape(2, 3, 4).T
    n = 0
    for x in np.nditer(c):
        if n < 8:
            print(x, end=" ")
        n += 1
    print(n)
    for x in np.nditer(c[1:3, ::-1]):
        print(x, end=" ")
    print()
    for x in np.nditer(c, order="C"):
        print(x, end=" ")
    print()
    for x in np.nditer(a.T, order="F"):
        print(x, end=" ")
    print()
    for x in np.nditer(a.T, order="A"):
        print(x, end=" ")
    print()
    # operands that disagree on the order: C order wins
    f = np.arange(6).reshape(3, 2).T
    for p, q in np.nditer([a, f]):
        print(int(p), int(q), end="; ")
    print()
    for p, q in np.nditer((f, a)):
        print(int(p), int(q), end="; ")
    print()
    r = np.arange(3)[::-1]
    for p, q in np.nditer((r, r)):
        print(p, q, end="; ")
    print()
    for p, q in np.nditer((r, np.arange(3))):
        print(p, q, end="; ")
    print()
    # numbers are 0-d arrays; a tuple of one gives items
    for p, g, w in np.nditer((a[0], 2.5, np.float32(1.5))):
        print(p, g, w, p * g, (g * w).dtype)
    for y in np.nditer((b,)):
        print(y, end=" ")
    print()
    for x in np.nditer(7):
        print(x, x.shape)
    # with enumerate and zip
    for i, (p, h) in enumerate(np.nditer((a[:, :1], b))):
        print(i, p, h)
    for k, x in zip(range(10, 20), np.nditer(a.T)):
        print(k, x, end=" | ")
    print()
    t = (np.ones(2, np.int8), np.arange(2, dtype=np.int8))
    for i1, i2 in np.nditer(t):
        print(i1 + i2, (i1 + i2).dtype)
    # the operands are evaluated once, before the loop
    d = np.zeros(3)
    for y in np.nditer(d):
        d = d + 1.0
        print(y, d[0])


def conversions():
    # an item converts, tests and formats as its element does
    a = np.arange(4)
    out = np.zeros(4)
    i = 0
    for x in np.nditer(a):
        out[i] = x
        if x > 1:
            print("big", x)
        if x:
            print("truthy", x)
        print(float(x), bool(x), abs(x), -x, x**2, f"{x}", f"{x:3d}")
        i += 1
    print(out)
    for y in np.nditer(np.linspace(0, 1, 3, dtype=np.float32)):
        print(f"{y} {y:.3f} {y!s} {y:>8} {bool(y)} {int(y)}")


main()
conversions()
