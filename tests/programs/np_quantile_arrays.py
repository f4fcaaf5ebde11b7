# np.percentile and np.quantile with an array (or a list) of q, and
# np.var / np.std accumulating in an integer dtype
import numpy as np
from numba import njit


@njit
def quantiles(a, m):
    q = np.array([25.0, 50.0, 75.0])
    print(np.percentile(a, q), np.percentile(a, [10, 90]), np.quantile(a, np.array([0.0, 0.5, 1.0])))
    print(np.quantile(a, [0.1, 0.9]), np.percentile(a.astype(np.int32), q))
    print(np.percentile(m, q, axis=0))
    print(np.percentile(m, q, axis=1), np.percentile(m, (50, 100), axis=-1))
    print(np.quantile(m, np.array([[0.25, 0.75], [0.5, 1.0]])))
    print(np.percentile(np.array([1.0, np.nan, 3.0]), q), np.percentile(m, np.arange(3)))
    lo, hi = np.percentile(a, [5.0, 95.0])
    print(lo, hi)


@njit
def moments(a, m):
    print(np.var(a, dtype=np.int64), np.std(a, dtype=np.int64), a.var(dtype=np.int32))
    print(np.var(a.astype(np.int8), dtype=np.int8), np.std(a > 3, dtype=np.int64))
    print(np.var(m, axis=0, dtype=np.int64), np.var(m, 1, np.int32, None, 1))
    print(np.std(a, ddof=1, dtype=np.int64), np.var(np.array([-3, 4]), dtype=np.int64))


a = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 9.0])
m = np.arange(12.0).reshape(3, 4) ** 2
quantiles(a, m)
moments(np.array([1, 2, 3, 4, 10]), np.array([[1, 5, 9], [2, 2, 8]]))
print(np.percentile(a, np.array([50.0, 101.0])))
