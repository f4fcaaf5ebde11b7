# storing a Python int into a narrow integer array: it must fit (NumPy 2)
import numpy as np


def put(a, i, v):
    a[i] = v
    return a


def main():
    a = np.zeros(3, dtype=np.uint8)
    a[0] = 255
    print(put(a, 1, 7), a.dtype)
    b = np.zeros(2, dtype=np.int16)
    print(put(b, 0, -32768))
    print(put(a, 2, -3))


main()
