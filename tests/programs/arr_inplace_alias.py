# in-place operators mutate the array every alias sees; plain binary ops make
# new arrays; in-place through a function parameter is visible to the caller
import numpy as np


def bump(x, k):
    x += k


def scaled(x, k):
    x = x * k
    return x


def main():
    a = np.arange(5)
    b = a
    b += 1
    print(a, b)
    b *= 3
    print(a)
    b -= a
    print(a)
    c = a
    c = c + 10
    print(a, c)
    f = np.ones(4)
    g = f
    g /= 4
    print(f)
    g **= 2
    print(f)
    bump(f, 1.0)
    print(f, g)
    i = np.arange(6, dtype=np.int32)
    j = i
    j //= 2
    print(i, i.dtype)
    j %= 2
    print(i)
    bump(i, 7)
    print(j)
    s = scaled(i, 3)
    print(i, s)
    m = np.arange(6).reshape(2, 3)
    v = m[1]
    m += 100
    print(v)
    v += 1
    print(m)
    t = m.T
    t *= 2
    print(m)
    bits = np.arange(8)
    bb = bits
    bb &= 5
    print(bits)
    bb |= 8
    print(bits)
    bb ^= 3
    print(bits)
    bb <<= 1
    print(bits)
    bb >>= 2
    print(bits)
    fl = np.arange(4.0)
    fl += np.arange(4)
    print(fl)
    ii = np.arange(4)
    ii += True
    print(ii)


main()
