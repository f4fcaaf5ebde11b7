# more of NumPy: rounding, clipping, truth reductions, cumulative sums,
# sorting, concatenation, differences, moments, eye/identity/trace/outer
import numpy as np


def rounding(a, b):
    print(np.round(a, 2), np.around(a, -1), np.round(a), a.round(1))
    print(np.round(b, 1), np.round(np.array([1250, 1350, -25]), -2), np.round(np.arange(3), 2))
    print(np.round(2.675, 2), np.round(np.float32(0.125), 2), np.around(1250, -2))
    print(np.rint(a), np.isnan(a), np.isinf(a / 0.0), np.isfinite(b))


def clipping(a):
    print(np.clip(a, 0.0, 5.0), a.clip(-1, 1), np.clip(a, None, 2), np.clip(np.arange(6), 1, 4))
    print(np.clip(np.array([np.nan, 3.0]), 0, 1))


def truth(a, m):
    print(np.any(a > 3), np.all(a > -10), a.any(), (a * 0).all(), np.count_nonzero(a))
    print(np.any(m > 4, axis=0), np.all(m > 0, axis=1), np.count_nonzero(m, axis=0))
    print(np.any(np.array([np.nan])), np.count_nonzero(np.zeros(3)))


def cumulative(a, m):
    print(np.cumsum(a), np.cumprod(np.arange(1, 7)), a.cumsum(), m.cumsum())
    print(np.cumsum(m, axis=0), np.cumsum(m, axis=1), np.cumprod(m, axis=-1))
    print(np.cumsum(np.array([True, False, True])), np.cumsum(np.ones(3, np.float32) / 3))
    print(np.cumsum(np.array([1, 2, 3], dtype=np.int8)).dtype)


def sorting(a, m):
    print(np.sort(a), np.argsort(a), np.sort(m), np.argsort(m))
    print(np.sort(np.array([3.0, np.nan, -1.0, 2.0])), np.argsort(np.array([2, 1, 2, 1, 0]), kind="stable"))
    b = a.copy()
    b.sort()
    print(b, a, m.T.argsort())
    c = m[:, ::-1]
    c.sort()
    print(m)


def shapes(a, m):
    print(np.concatenate((a, a[:2])), np.concatenate((m, m), axis=1), np.concatenate([m, m[:1]]))
    print(np.concatenate((np.arange(3), np.ones(2))), np.diff(a), np.diff(m), np.diff(a, 2))
    print(m.ravel(), m.T.ravel(), m.T.flatten(), np.ravel(m[:, 1]))
    print(np.eye(3), np.eye(2, 3, 1, np.int32), np.identity(2, dtype=np.int64), np.eye(3, k=-1))
    print(np.trace(m), m.trace(), np.diagonal(m), np.trace(np.eye(4)), np.outer(a[:3], np.arange(2)))


def moments(a, f):
    print(np.var(a), np.std(a), a.var(), a.std(ddof=1), np.median(a), np.median(a[:4]))
    print(np.var(f), np.std(f), np.median(f), np.median(np.arange(7)), np.var(np.arange(10)))
    print(np.median(np.array([1.0, np.nan, 2.0])), np.std(np.array([2, 4, 4, 4, 5, 5, 7, 9])))


a = np.array([3.14159, -2.5, 7.25, 0.5, 12.75])
b = np.array([0.25, 1.35, -0.05], dtype=np.float32)
m = np.array([[5, 1, 4], [2, 8, 0]])
rounding(a, b)
clipping(a)
truth(a, m)
cumulative(a, m)
sorting(a, m)
shapes(a, m)
moments(a, np.array([1.5, 2.25, 3.0, 10.0], dtype=np.float32))
