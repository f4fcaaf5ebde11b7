# negative indices read and write from the end, in 1-D and 2-D, on views too
import numpy as np


def main():
    a = np.arange(10) * 10
    print(a[-1], a[-10], a[-3])
    a[-1] = -1
    a[-10] = -100
    print(a)
    i = -2
    print(a[i], a[i - 1], a[len(a) + i])
    m = np.arange(12).reshape(3, 4)
    print(m[-1, -1], m[-3, 0], m[0, -4], m[-2, 2])
    m[-1, -2] = 77
    print(m[2])
    print(m[-1])
    print(m[:, -1])
    v = a[2:8]
    print(v[-1], v[-6])
    v[-2] = 555
    print(a)
    r = a[::-1]
    print(r[0], r[-1], r)
    s = 0
    for j in range(1, len(a) + 1):
        s += a[-j]
    print(s)
    print(a[-3:], a[:-7], a[-4:-1])


main()
