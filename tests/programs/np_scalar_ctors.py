# NumPy scalar constructors (np.float32(x), np.int8(x), ...) and their dtypes
import numpy as np


def main():
    x = np.float32(0.1)
    y = np.int8(100)
    z = np.float64(3)
    print(x, x * 3, y + 100, z / 2, (y * 2).dtype, x.dtype, z.dtype)
    a = np.int32(np.arange(4))
    print(a, a.dtype, np.float32(np.arange(3)) / 3)
    total = np.int64(0)
    for i in range(5):
        total += np.int64(i) * 2
    print(total, np.uint8(250) + np.uint8(10))


main()
