# None / np.newaxis in a subscript: a view with a new axis of length 1
import numpy as np
from numpy import newaxis

NA = np.newaxis


def pairwise(a, b):
    return a[:, np.newaxis] - b[NA, :]


def main():
    a = np.arange(4.0)
    b = np.array([0.5, 1.5, 2.5])
    print(pairwise(a, b))
    print(np.abs(a[:, None] - b[None, :]).min(axis=1))
    print(a[None].shape, a[None, :].shape, a[:, None].shape, a[None, None].shape)
    print(a[2, None], a[None, 2], a[1:3, newaxis], np.newaxis)
    m = np.arange(6).reshape(2, 3)
    print(m[:, None, :].shape, m[None, 1, None, ::-1], m[1, :, None].shape)
    print(m[:, :, None][1, 2, 0], m[None][0, 1, 2], m[None, :, None, 1].shape)
    # a view: writes reach the array
    v = a[None, :]
    v[0, 1] = 10.0
    v[:, 2:] += 1
    print(a, v.shape)
    # broadcasting through a new axis
    outer = a[:, None] * b
    print(outer, outer.shape)
    s = (m[:, :, None] * np.array([1, -1])).sum(axis=2)
    print(s)
    c = np.zeros((3, 2))
    c[:, None, :] = np.array([[1.0, 2.0]])
    c[None, 0] = 5.0
    print(c)


main()
