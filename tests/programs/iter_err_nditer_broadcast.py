import numpy as np


def dot(a, b):
    s = 0.0
    for u, v in np.nditer((a, b)):
        s += u * v
    return s


def main():
    a = np.arange(6.0).reshape(2, 3)
    print(dot(a, np.ones(3)))
    print(dot(a, np.ones(2)))


main()
