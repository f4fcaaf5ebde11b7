# assigning drops a value's leading unit axes, as NumPy does; an element takes no array
import numpy as np


def main():
    a = np.zeros(5)
    a[1:4] = np.ones((1, 3))
    print(a)
    b = np.arange(3.0).reshape(1, 3)
    a[:3] = b * 2 + b
    print(a)
    a[np.array([0, 4])] = np.full((1, 1, 2), 7.0)
    print(a)
    m = np.zeros((2, 3))
    m[0] = np.ones((1, 1, 3)) * b
    m[:, 1:] = np.ones((1, 1, 2))
    print(m)
    m[1, 2] = np.array([5.0])


main()
