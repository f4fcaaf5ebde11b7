# an explicit raise (and a failing assert) in a loop that holds arrays, with
# more arrays alive in the callers
import numpy as np


def check(a, limit):
    w = a + 0.5
    assert w.max() < 100.0, "max too big"
    for i in range(len(a)):
        tmp = a[i:] * 2
        if tmp.sum() > limit:
            raise ValueError("sum over limit")
    return w.sum()


def run(n, limit):
    data = np.arange(n * 2).reshape(n, 2)
    first = data[:, 0]
    m = data.T.copy()
    return check(first * 1.0, limit) + m[0, 0]


print(run(4, 1000))
print(run(6, 20))
print("unreachable")
