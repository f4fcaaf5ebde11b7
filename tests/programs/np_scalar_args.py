# NumPy scalars wherever NumPy takes an array: a 0-d array of them.
import numpy as np

def main():
    x = np.float32(2.5)
    y = np.float64(-1.25)
    i = np.int32(7)
    print(np.isnan(x), np.isinf(y), np.isfinite(i), np.round(x), np.around(y, 1), np.clip(i, 0, 5))
    print(np.sqrt(x), np.abs(y), np.cumsum(i), np.std(x), np.var(y), np.median(i))
    print(np.any(x), np.all(i), np.count_nonzero(y), np.isclose(x, 2.5), np.allclose(y, -1.25))
    print(np.outer(np.arange(3), np.arange(2)), np.trace(np.eye(3)), np.diff(np.array([1, 4, 9, 16])))
    print(np.unique(np.array([3, 1, 3, 2])), np.searchsorted(np.arange(5), 2.5), np.flatnonzero(np.array([0, 1, 0, 2])))
    print(np.nonzero(np.array([[0, 1], [2, 0]])), np.histogram(np.arange(10), 3, (0, 9)))
    a = np.arange(6.0).reshape(2, 3)
    print(a.any(), a.all(), a.std(), a.var(), a.cumsum(), a.ravel(), a.flatten(), a.clip(1, 4))
    print(np.concatenate((a, a)), np.stack((a, a)).shape)
    print(np.sort(np.array([3, 1, 2])), np.argsort(np.array([3, 1, 2])))
    print(np.round(np.float32(2.675), 2), round(np.float64(2.5)), np.maximum(x, 3), np.minimum(i, 3))
    print(np.where(x > 2, x, 0), np.exp(i), np.log(np.float32(4)))
    print(np.clip(a, 1.5, None), np.isnan(a).any(), np.unique(a).size)
    print(np.count_nonzero(a > 2, axis=0), np.cumprod(a, axis=1))

main()
