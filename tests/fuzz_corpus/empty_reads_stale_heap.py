import numpy as np


def main():
    c = np.empty((), dtype=int)
    print(c)


main()
