# an exception's message made with an f-string
import numpy as np


def check(a, limit):
    total = a.sum()
    if total > limit:
        raise ValueError(f"sum {total:.2f} exceeds {limit} (n={a.size})")
    return total


print(check(np.ones(3), 5))
print(check(np.full(4, 2.5), 5))
