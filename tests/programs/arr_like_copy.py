# empty + fill, empty_like / zeros_like / ones_like / copy keep dtype and shape,
# and copies do not share memory
import numpy as np


def main():
    a = np.empty(5)
    a.fill(3.5)
    print(a, a.dtype)
    b = np.empty(4, dtype=np.int32)
    b.fill(-2)
    print(b, b.dtype)
    c = np.empty((2, 3), dtype=np.uint8)
    c.fill(300 - 45)
    print(c)
    src = np.arange(6, dtype=np.int16).reshape(2, 3)
    z = np.zeros_like(src)
    o = np.ones_like(src)
    e = np.empty_like(src)
    e.fill(9)
    print(z, z.dtype, z.shape)
    print(o, o.dtype)
    print(e, e.dtype)
    f = np.linspace(0, 1, 4)
    print(np.zeros_like(f), np.ones_like(f).dtype, np.empty_like(f).shape)
    cp = np.copy(src)
    cp[0, 0] = 100
    print(src)
    print(cp)
    cp2 = src.copy()
    cp2 += 1
    print(src[1], cp2[1])
    v = np.arange(10)[::3]
    vc = v.copy()
    vc[0] = -1
    print(v, vc)
    bo = np.ones_like(np.array([True, False]))
    print(bo, bo.dtype)
    fill_all(f, 0.25)
    print(f)
    fill_all(b, 7)
    print(b)


def fill_all(x, v):
    x.fill(v)


main()
