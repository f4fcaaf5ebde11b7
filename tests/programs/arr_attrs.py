# len, shape, size, ndim, dtype of arrays of each rank, views and results;
# shapes are tuples of ints usable in arithmetic
import numpy as np


def describe(x):
    print(x.ndim, x.size, x.shape, x.dtype, len(x))


def main():
    a = np.arange(7)
    describe(a)
    describe(np.zeros((3, 5), dtype=np.float32))
    describe(np.ones((2, 3, 4), dtype=np.int8))
    describe(a[1:6:2])
    m = np.arange(20).reshape(4, 5)
    describe(m[1])
    describe(m[:, 2])
    describe(m.T)
    describe(m[1:3, ::2])
    describe(m > 3)
    describe(m / 2)
    describe(np.array([1, 2], dtype=np.uint32))
    describe(np.empty(0))
    n, k = m.shape
    print(n, k, n * k == m.size)
    print(m.shape[0], m.shape[1], m.shape[-1], m.T.shape[0])
    r, c = m.T.shape
    print(r + c)
    total = 0
    for i in range(m.shape[0]):
        total += len(m[i])
    print(total)
    print(np.zeros(m.shape).shape, np.ones(m.shape[1]).shape)
    dt = np.arange(3, dtype=np.uint16).dtype
    print(dt, np.zeros(2, dtype=np.int64).dtype, np.ones(2, dtype=np.bool_).dtype)
    print(len(np.arange(100)[::7]), np.arange(100)[::7].size)


main()
