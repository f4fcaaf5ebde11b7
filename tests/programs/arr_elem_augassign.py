# augmented assignment on elements a[i] += x, m[i, j] *= x, through views,
# with int, float and small dtypes
import numpy as np


def hist(data, nbins):
    h = np.zeros(nbins, dtype=np.int64)
    for i in range(len(data)):
        h[data[i] % nbins] += 1
    return h


def main():
    a = np.arange(6)
    a[0] += 10
    a[1] -= 5
    a[2] *= 7
    a[3] //= 2
    a[4] %= 3
    a[5] **= 3
    print(a)
    a[-1] += a[0]
    print(a)
    f = np.ones(4)
    f[0] += 0.5
    f[1] /= 4
    f[2] -= 3
    f[3] *= -2.5
    print(f)
    m = np.zeros((3, 3), dtype=np.int32)
    for i in range(3):
        for j in range(3):
            m[i, j] += i * 10 + j
            m[i, j] *= 2
    print(m, m.dtype)
    c = m[:, 1]
    c[0] += 1000
    print(m[0])
    data = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9])
    print(hist(data, 5))
    b = np.arange(4)
    b[1] <<= 4
    b[2] |= 8
    b[3] ^= 1
    b[0] -= 1
    b[0] &= 6
    print(b)
    acc = np.zeros(2)
    for i in range(10):
        acc[i % 2] += i * 0.5
    print(acc)
    x = np.arange(5, dtype=np.int16)
    x[4] += 32767
    print(x)
    i = 1
    x[i + 1] += x[i] * 3
    print(x)


main()
