# np.nonzero, np.flatnonzero, np.searchsorted, np.unique, np.isclose, np.allclose
import numpy as np


def bins_of(edges, x):
    return np.searchsorted(edges, x, side='right') - 1


def main():
    m = np.array([[0, 1, 0], [2, 0, 3]])
    nz = np.nonzero(m)
    print(nz[0], nz[1], len(nz))
    r, c = np.nonzero(m > 0)
    print(r, c, m[r, c], m[nz])
    m[nz] *= 10
    print(m)
    print(np.nonzero(np.array([0.0, -0.0, np.nan, 1.5]))[0], np.nonzero(np.zeros(4))[0])
    t = np.arange(8).reshape(2, 2, 2) % 3 == 0
    i, j, k = np.nonzero(t)
    print(i, j, k)
    print(np.flatnonzero(m), np.flatnonzero(np.zeros(3)), np.flatnonzero(t))
    # searchsorted: the first or last place that keeps the order
    a = np.array([1, 2, 2, 3, 5])
    print(np.searchsorted(a, 2), np.searchsorted(a, 2, side='right'), np.searchsorted(a, 2.5))
    print(np.searchsorted(a, np.array([0, 2, 6])), np.searchsorted(a, np.array([[2], [5]]), 'right'))
    print(np.searchsorted(a, -7), np.searchsorted(a.astype(np.uint8), -1), np.searchsorted(a, 300))
    f = np.array([0.5, 1.0, np.nan])
    print(np.searchsorted(f, np.nan), np.searchsorted(f, np.inf, side='right'))
    print(np.searchsorted(np.array([0.1], dtype=np.float32), 0.1, side='right'))
    edges = np.linspace(0.0, 1.0, 5)
    print(bins_of(edges, np.array([0.0, 0.3, 0.25, 0.99, 1.0])))
    # unique: sorted, distinct, NaNs as one
    print(np.unique(np.array([3, 1, 2, 1, 3])), np.unique(np.array([[2.5, np.nan], [np.nan, -1.0]])))
    print(np.unique(np.array([7, 7], dtype=np.uint8)), np.unique(np.zeros(0)), np.unique(m))
    # isclose / allclose: |x - y| <= atol + rtol * |y|
    x = np.linspace(0.0, 1.0, 5)
    print(np.isclose(x, x + 1e-9), np.isclose(x, 0.5), np.isclose(1.0, 1.0 + 1e-6))
    nan = np.array([1.0, np.nan, np.inf, -np.inf])
    print(np.isclose(nan, nan, equal_nan=True), np.isclose(nan, nan), np.isclose(nan, np.inf))
    print(np.allclose(x, x + 1e-9), np.allclose(x, x + 1e-3), np.allclose(x, x + 1e-3, atol=1e-2))
    print(np.isclose(np.float32(1.0), 1.00001), np.isclose(np.arange(3), np.array([0.0, 1.00001, 2.1]), rtol=1e-3))
    y = np.array([1.0, 2.0], dtype=np.float32)
    print(np.isclose(y, y + np.float32(1e-6), rtol=0.0, atol=1e-6), np.isclose(y, 1.0000001, 0.0, 0.0))
    print(np.isclose(x[:, None], x[None, :], atol=0.3).sum(axis=1), np.allclose(1, 1.0), np.allclose(2.0, 2.1, 0.1))


main()
