# arrays passed to and returned from functions: one function specialised for
# several dtypes, ranks and layouts (C, strided views, transposes), returning
# new arrays, views of arguments, and tuples of arrays and scalars
import numpy as np


def double(a):
    return a * 2


def first_half(a):
    return a[: len(a) // 2]


def normalize(a):
    lo = a.min()
    hi = a.max()
    return (a - lo) / (hi - lo)


def stats(a):
    return a.sum(), a.max(), len(a)


def fill_seq(a):
    for i in range(len(a)):
        a[i] = i * i
    return a


def make(n, v):
    out = np.empty(n)
    out.fill(v)
    return out


def pair(n):
    return np.arange(n), np.ones(n, dtype=np.int32)


def outer(u, v):
    return u.reshape(len(u), 1) * v


def chain(a, depth):
    if depth == 0:
        return a + 0
    return chain(a + 1, depth - 1) * 1


def main():
    print(double(np.arange(4)), double(np.arange(4.0)), double(np.arange(3, dtype=np.int8)))
    print(double(np.array([True, False])), double(np.arange(4)).dtype)
    print(double(np.arange(6).reshape(2, 3)))
    print(double(np.arange(10)[::3]), double(np.arange(6).reshape(2, 3).T))
    print(double(7), double(2.5))
    h = first_half(np.arange(9))
    print(h)
    base = np.arange(8)
    fh = first_half(base)
    fh[0] = 99
    print(base)
    print(first_half(np.linspace(0, 1, 6)), first_half(base[::-1]))
    print(normalize(np.array([2, 4, 6, 10])), normalize(np.array([1.0, 3.0])))
    s, mx, n = stats(np.array([4, 1, 7]))
    print(s, mx, n)
    s2, mx2, n2 = stats(np.array([0.5, 0.25]))
    print(s2, mx2, n2)
    z = np.zeros(5, dtype=np.int64)
    r = fill_seq(z)
    r[0] = -1
    print(z)
    print(fill_seq(np.zeros(4)), fill_seq(np.zeros((6, 2))[:, 1]))
    print(make(3, 1.25), make(2, 7))
    a, b = pair(4)
    print(a + b, (a + b).dtype)
    print(outer(np.arange(3), np.arange(4)), outer(np.ones(2), np.array([0.5, 1.5])))
    print(chain(np.arange(3), 5), chain(np.ones(2, dtype=np.float32), 3))
    print(double(double(double(np.arange(3)))))


main()
