# slice assignment from scalars and arrays, row/column assignment, and
# augmented assignment on slices
import numpy as np


def main():
    a = np.zeros(10, dtype=np.int64)
    a[2:5] = 7
    print(a)
    a[::3] = -1
    print(a)
    a[5:] = np.arange(5)
    print(a)
    a[2:5] *= 2
    print(a)
    a[:] = 3
    print(a)
    a[-3:] += np.array([1, 2, 3])
    print(a)
    a[8:2:-2] = np.array([10, 20, 30])
    print(a)
    m = np.zeros((3, 4))
    v = np.array([1.0, 2.0, 3.0])
    m[:, 3] = v
    print(m)
    m[1] = 5.5
    print(m)
    m[0, 1:3] = np.array([-1.0, -2.0])
    print(m)
    m[:, 0] += 10
    print(m)
    m[1:, :2] = 8
    print(m)
    f = np.zeros(4)
    f[1:3] = 2
    print(f, f.dtype)
    i = np.zeros(4, dtype=np.int32)
    i[:2] = np.array([1.9, -2.7])
    print(i)
    u = np.zeros(3, dtype=np.uint8)
    u[:] = np.array([255, 256, 257])
    print(u)
    b = np.zeros(4, dtype=np.bool_)
    b[1:3] = True
    print(b)
    x = np.arange(6)
    x[1:4] = x[0:3]
    print(x)


main()
