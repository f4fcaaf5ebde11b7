import numpy as np


def join(a, b):
    return np.stack((a, b), axis=1)


def main():
    a = np.arange(6).reshape(2, 3)
    print(join(a, a).shape)
    print(join(a, a.T).shape)


main()
