# reductions with axis= on 2-D arrays (and views), as functions and methods
import numpy as np


def main():
    m = np.array([[3, 7, 1, 9], [4, 2, 8, 6], [5, 0, 2, 7]])
    print(np.sum(m, axis=0), m.sum(axis=1))
    print(np.prod(m, axis=0), m.prod(axis=1))
    print(np.min(m, axis=0), m.min(axis=1))
    print(np.max(m, axis=0), m.max(axis=1))
    print(np.mean(m, axis=0), m.mean(axis=1))
    print(np.argmin(m, axis=0), m.argmin(axis=1))
    print(np.argmax(m, axis=0), m.argmax(axis=1))
    print(m.sum(axis=0).shape, m.sum(axis=1).dtype, m.mean(axis=0).dtype)
    f = np.arange(6.0).reshape(2, 3) / 4
    print(f.sum(axis=0), f.sum(axis=1), f.max(axis=0))
    t = m.T
    print(t.sum(axis=0), t.argmax(axis=1))
    v = m[:, 1:3]
    print(v.sum(axis=0), v.min(axis=1), v.argmin(axis=0))
    i32 = m.astype(np.int32)
    print(i32.sum(axis=0).dtype, i32.max(axis=1).dtype)
    u8 = np.full((2, 3), 200, dtype=np.uint8)
    print(u8.sum(axis=0), u8.sum(axis=0).dtype)
    b = m > 4
    print(b.sum(axis=0), b.sum(axis=1))
    col = m.sum(axis=1).reshape(3, 1)
    print(m * 100 // col)
    print(np.sum(m, axis=-1), np.max(m, axis=-2))


main()
