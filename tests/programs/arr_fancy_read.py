# reading with integer arrays and boolean masks: copies, in NumPy's shapes
import numpy as np


def rows(m, idx):
    return m[idx]


def pick(a, idx):
    return a[idx]


def main():
    a = np.arange(10) * 3
    idx = np.array([1, 3, -1, 0, 3])
    print(a[idx], pick(a, idx).dtype)
    print(a[a > 10], a[a > 100], a[(a % 2 == 0) & (a > 5)])
    # any integer dtype as positions; empty index arrays
    print(a[np.array([9, 0, 4], dtype=np.int8)], a[np.array([9, -10], dtype=np.int16)])
    print(a[np.array([9, 0, 4], dtype=np.int32)], a[np.array([9, 0, 4], dtype=np.uint8)])
    print(a[np.array([9, 0], dtype=np.uint16)], a[np.array([9, 0], dtype=np.uint32)])
    print(a[np.array([9, 0, 4], dtype=np.uint64)])
    print(a[np.array([], dtype=np.int64)], a[np.zeros(10, dtype=np.bool_)])
    # a copy: writing to it leaves the array alone
    c = a[idx]
    c[0] = -1
    print(c, a[1])
    # rows of a 2-D array, a column of them, columns, masks on rows
    m = np.arange(12).reshape(3, 4)
    print(rows(m, np.array([2, 0, 2])))
    print(m[np.array([2, 0]), 1], m[np.array([-1]), -1])
    print(m[1, np.array([3, 0])])
    print(m[:, np.array([3, 1])])
    print(m[np.array([True, False, True]), :])
    print(m[np.array([True, False, True])])
    print(m[m > 5], m[m % 5 == 0])
    print(m[np.array([0, 2]), 1:3])
    # several index arrays broadcast together
    print(m[np.array([0, 1, 2]), np.array([3, 2, 1])])
    print(m[np.array([[0], [2]]), np.array([0, 3])])
    print(a[np.array([[1, 2], [3, 4]])])
    # a strided view indexed
    v = m[::-1, ::2]
    print(v[np.array([0, 2])], v[v > 3])
    # a 3-D array: the positions go where the index arrays are, or first
    t = np.arange(24).reshape(2, 3, 4)
    print(t[np.array([1, 0]), :, 2])
    print(t[:, np.array([2, 0]), 1])
    print(t[1, :, np.array([0, 3])])
    print(t[t[:, :, 0] > 8])
    # other dtypes
    f = np.linspace(0.0, 1.0, 5).astype(np.float32)
    print(f[np.array([4, 0])], f[f > 0.3], (f > 0.3)[np.array([0, 4])])
    s = np.sum(a[a > 10])
    print(s, a[idx].sum(), np.max(m[np.array([1, 2])], axis=0))


main()
