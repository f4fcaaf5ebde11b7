# NumPy 2 (NEP 50): a Python int must fit the integer dtype it meets in
# arithmetic and assignment; comparisons compare exactly instead
import numpy as np


def main():
    a = np.arange(4, dtype=np.uint8)
    print(a + 1, a - 1, a * 3, a < -1, a > -1, a == 256)
    b = np.arange(3, dtype=np.int8)
    b[0] = 127
    b[1] = -128
    print(b, b + 1)
    print(a + 255)
    print(b * 200)


main()
