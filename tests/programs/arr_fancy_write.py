# assigning through integer arrays and boolean masks, and a[idx] += v
import numpy as np


def clip_negative(a):
    a[a < 0] = 0
    return a


def main():
    a = np.arange(10)
    a[np.array([1, 3, -1])] = 7
    print(a)
    a[np.array([0, 2, 4])] = np.array([100, 200, 300])
    print(a)
    # a repeated position keeps the last value; += adds once per position
    a[np.array([5, 5, 6])] = np.array([1, 2, 3])
    print(a)
    a[np.array([0, 0, 1])] += 1
    print(a)
    a[np.array([2, 3])] -= np.array([2, 3])
    print(a)
    # masks: a scalar, an array of the selected size, one value broadcast
    b = np.linspace(-1.0, 1.0, 9)
    print(clip_negative(b))
    b[b > 0.5] = np.array([10.0, 20.0])
    print(b)
    b[b == 0.0] = np.array([-3.0])
    print(b)
    b[b > 5] *= 2
    print(b)
    # the value is converted to the array's dtype (floats truncate)
    i = np.zeros(4, dtype=np.int32)
    i[np.array([1, 2])] = np.array([1.7, -2.5])
    u = np.zeros(3, dtype=np.uint8)
    u[np.array([True, False, True])] = 255
    u[np.array([0])] += 3
    print(i, u)
    # rows and columns of a 2-D array
    m = np.zeros((3, 4), dtype=np.int64)
    m[np.array([2, 0])] = np.array([1, 2, 3, 4])
    print(m)
    m[np.array([1]), 2] = 9
    m[:, np.array([0, 3])] = np.array([[-1, -2], [-3, -4], [-5, -6]])
    print(m)
    m[m > 2] = 0
    m[np.array([True, False, True]), :] += 10
    print(m)
    m[np.array([0, 1, 2]), np.array([3, 2, 1])] = np.array([7, 8, 9])
    print(m)
    # the value may overlap the array: every value is read first
    c = np.arange(6)
    c[np.array([0, 1, 2])] = c[3:]
    print(c)
    d = np.arange(6)
    d[np.array([1, 2, 3, 4, 5])] = d[:5]
    print(d)
    d[d > 2] = d[::-1][:2]
    print(d)
    # through a view, into the base
    e = np.zeros(8)
    v = e[1::2]
    v[np.array([0, 3])] = 5.0
    print(e)


main()
