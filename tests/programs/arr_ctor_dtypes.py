# Constructors with dtype=: zeros, ones, full, arange, linspace, array of
# nested lists; printed values and dtypes
import numpy as np


def main():
    print(np.zeros(4), np.zeros(4).dtype)
    print(np.zeros(3, dtype=np.int32), np.zeros(3, dtype=np.int32).dtype)
    print(np.ones(5, dtype=np.uint8), np.ones(5, dtype=np.uint8).dtype)
    print(np.ones(3, dtype=np.float32), np.ones(3, dtype=np.float32).dtype)
    print(np.zeros(3, dtype=np.bool_), np.ones(2, dtype=np.bool_))
    print(np.full(4, 7), np.full(4, 7).dtype)
    print(np.full(3, 2.5), np.full(3, 2.5).dtype)
    print(np.full(3, 9, dtype=np.int16), np.full(3, 9, dtype=np.int16).dtype)
    print(np.full(2, 1.5, dtype=np.float32))
    print(np.arange(6), np.arange(6).dtype)
    print(np.arange(2, 11, 3), np.arange(10, 0, -2))
    print(np.arange(5, dtype=np.float64), np.arange(4, dtype=np.int8).dtype)
    print(np.arange(0.0, 1.0, 0.25), np.arange(1.5, 4.0))
    print(np.linspace(0, 1, 5), np.linspace(0, 1, 5).dtype)
    print(np.linspace(-2, 2, 9))
    print(np.linspace(0, 10, 3, dtype=np.int64))
    print(np.array([1, 2, 3]), np.array([1, 2, 3]).dtype)
    print(np.array([1.5, 2, 3]), np.array([1, 2.0]).dtype)
    print(np.array([1, 2, 3], dtype=np.float32), np.array([7, 8], dtype=np.uint16).dtype)
    print(np.array([True, False, True]), np.array([True, False]).dtype)
    m = np.array([[1, 2, 3], [4, 5, 6]])
    print(m)
    print(m.dtype, m.shape, m.ndim)
    f = np.array([[1.0, -2.5], [3.25, 4.0], [0.5, 0.0]])
    print(f)
    print(f.shape)
    t = np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], dtype=np.int32)
    print(t)
    print(t.shape, t.dtype)
    z = np.zeros((2, 3), dtype=np.int64)
    print(z, z.shape)
    o = np.ones((2, 2, 2))
    print(o)
    e = np.full((2, 4), -1, dtype=np.int8)
    print(e, e.dtype)


main()
