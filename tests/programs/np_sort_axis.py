# Sorting along any axis, or the flattened array, stably (kind='stable').
import numpy as np


def main():
    a = np.array([[3.0, 1.0, np.nan, 2.0], [0.0, 5.0, 2.0, -1.0], [3.0, -2.0, 2.0, 7.0]])
    print(np.sort(a, axis=0))
    print(np.sort(a, axis=-1))
    print(np.sort(a, axis=1, kind="stable"))
    print(np.sort(a, axis=None))
    print(np.sort(a, axis=-2, kind="mergesort"))
    print(np.argsort(a, axis=0, kind="stable"))
    print(np.argsort(a, axis=1))
    print(np.argsort(a, axis=None, kind="stable"))
    print(np.argsort(a, 0, "stable"))
    print(np.sort(a, stable=True), np.sort(a[0], kind=None))
    # ties keep their order
    t = np.array([[2, 1, 2, 1], [1, 1, 2, 2], [2, 2, 1, 1]], dtype=np.int32)
    print(np.argsort(t, axis=0, kind="stable"))
    print(np.argsort(t, axis=-1, kind="stable"))
    print(t.argsort(axis=None, kind="stable"))
    print(t.argsort(0, kind="stable"), t.argsort().dtype)
    # in place, through views too
    b = a.copy()
    b.sort(axis=0)
    print(b)
    b = a.copy()
    b.sort(0, "stable")
    print(b)
    c = a.copy()
    c.T.sort(axis=1)
    print(c)
    c = a.copy()
    c[:, 1:3].sort(axis=0)
    print(c)
    d = np.arange(24).reshape(2, 3, 4)[:, ::-1, ::-1].copy()
    print(np.sort(d, axis=1))
    print(np.sort(d, axis=0)[1])
    print(np.argsort(d, axis=1)[0])
    d.sort(axis=-3)
    print(d[0])
    e = np.sort(a, axis=0)
    r = e.reshape(-1)
    r[0] = 99.0
    print(e[0, 0], np.sort(np.zeros(()), axis=None))
    f = np.array([5, 3, 9], dtype=np.uint8)
    f.sort(axis=-1)
    print(f, np.sort(f[::-1], axis=0))


main()
