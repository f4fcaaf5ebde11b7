# astype between every pair of kinds: float->int truncates toward zero,
# int->bool is != 0, bool->int, int->float32, views convert to new C arrays
import numpy as np


def main():
    f = np.array([1.7, -1.7, 2.5, -0.5, 3.99, 0.0])
    print(f.astype(np.int64), f.astype(np.int64).dtype)
    print(f.astype(np.int32), f.astype(np.int16).dtype)
    print(f.astype(np.bool_))
    print(f.astype(np.float32))
    i = np.arange(-3, 4)
    print(i.astype(np.float64), i.astype(np.float64).dtype)
    print(i.astype(np.bool_), i.astype(np.bool_).dtype)
    print(i.astype(np.uint8))
    b = np.array([True, False, True])
    print(b.astype(np.int64), b.astype(np.float64), b.astype(np.uint8).dtype)
    m = np.arange(12).reshape(3, 4)
    col = m[:, 1].astype(np.float32)
    print(col, col.dtype, col.shape)
    tt = m.T.astype(np.int8)
    print(tt)
    c = f.astype(np.float64)
    c[0] = 100.0
    print(f[0], c[0])
    same = i.astype(np.int64)
    same[0] = 42
    print(i[0], same[0])
    s = np.array([3.9, -3.9])
    print(s.astype(np.int64) + 1, (s.astype(np.int8) * 2).dtype)
    h = (np.arange(5) * 1.5).astype(np.int64)
    print(h, h.sum())


main()
