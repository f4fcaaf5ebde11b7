# np.percentile and np.quantile with the default linear method: a Python
# number q, every element or along an axis, in NumPy's dtypes
import numpy as np


def main():
    a = np.array([7.0, 1.0, 4.0, 9.0, 3.0, 8.0])
    print(np.percentile(a, 50), np.percentile(a, 25), np.percentile(a, 90.5))
    print(np.quantile(a, 0.5), np.quantile(a, 0.1), np.quantile(a, 0.999))
    print(np.percentile(a, 0), np.percentile(a, 100), np.quantile(a, 0.0), np.quantile(a, 1.0))
    i = np.array([15, 3, 9, 27, 1, 12, 6])
    print(np.percentile(i, 30), np.quantile(i, 0.3), np.quantile(i, 0.75))
    print(np.quantile(i, 0), np.quantile(i, 1), np.percentile(i, 100))
    print(np.quantile(i, 1).dtype, np.percentile(i, 100).dtype, np.quantile(a, 1).dtype)
    f = (np.arange(10, dtype=np.float32) / 3) ** 2
    print(np.percentile(f, 33), np.quantile(f, 0.3), np.quantile(f, 1))
    print(np.quantile(f, 0.3).dtype, np.quantile(f, 1).dtype, (np.quantile(f, 0.3), np.percentile(f, 100)))
    m = np.array([[3, 7, 1, 9], [4, 2, 8, 6], [5, 0, 2, 7]])
    print(np.percentile(m, 40), np.quantile(m, 0.65))
    print(np.percentile(m, 40, axis=0), np.quantile(m, 0.65, axis=1))
    print(np.percentile(m, 75, axis=-1), np.quantile(m, 1, axis=0), np.quantile(m, 0, axis=1))
    print(np.percentile(m, 50, axis=0).dtype, np.quantile(m, 1, axis=0).dtype)
    c = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    print(np.quantile(c, 0.4, axis=1))
    print(np.percentile(c, 60, axis=0))
    print(np.percentile(c, 60, axis=2).shape, np.quantile(c, 0.2))
    t = m.T
    print(np.quantile(t, 0.5, axis=0), np.percentile(m[:, 1:], 20, axis=1))
    n = np.array([1.0, np.nan, 3.0])
    print(np.percentile(n, 50), np.quantile(n, 0), np.quantile(np.array([[1.0, np.nan], [2.0, 3.0]]), 0.5, axis=1))
    print(np.quantile(np.array([1.0, np.inf]), 0.75), np.quantile(np.array([1.0, np.inf]), 0.25))
    s = np.array([-128, 127, 0], dtype=np.int8)
    print(np.quantile(s, 0.3), np.quantile(s, 0.9), (np.quantile(s, 1), np.quantile(s, 0)))
    u = np.array([250, 3, 100], dtype=np.uint8)
    print(np.percentile(u, 70), np.quantile(u, 1))
    one = np.array([5.5])
    print(np.quantile(one, 0.3), np.percentile(np.array(2.5), 10))
    print(np.quantile(np.zeros((2, 0)), 0.5, axis=0))
    total = 0.0
    for k in range(101):
        total += np.percentile(a, k) + np.quantile(i, k / 100)
    print(total)
    q = 0.25
    print(np.quantile(a, q, None, None, False, 'linear', False))


main()
