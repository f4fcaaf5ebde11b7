# a column view is bounds-checked against its own length
import numpy as np


def main():
    m = np.arange(12).reshape(4, 3)
    c = m[:, 1]
    print(c, len(c))
    c[3] = 100
    print(m[3])
    v = m[1:3, 1]
    print(v)
    v[2] += 1
    print("unreachable")


main()
