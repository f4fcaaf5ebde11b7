# an exception raised deep in a call chain while several arrays (bases,
# views, temporaries) are alive in every frame: all must be freed
import numpy as np


def leaf(a, k):
    t = a * 2
    v = t[::2]
    print("leaf", k, v.sum())
    return v[k]


def middle(a, depth, k):
    local = np.ones(len(a)) + a
    view = local[1:]
    if depth == 0:
        return leaf(view, k)
    other = np.zeros((2, 3), dtype=np.int32)
    r = middle(view * 1.0, depth - 1, k) + other[1, 2]
    return r + local[0]


def top(n, k):
    base = np.arange(n, dtype=np.float64)
    col = base.reshape(n // 2, 2)[:, 1]
    return middle(base, 4, k) + col[0]


print(top(20, 2))
print(top(20, 10))
print("unreachable")
