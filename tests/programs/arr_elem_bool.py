# Element reads and writes of bool arrays: any nonzero int stores True,
# views with steps, negative indices, and the bounds check.
import numpy as np


def mark(flags, step):
    n = flags.shape[0]
    for i in range(0, n, step):
        flags[i] = i % 3 - 1
    count = 0
    for i in range(n):
        if flags[i]:
            count += 1
    return count


f = np.zeros(20, dtype=np.bool_)
print(mark(f, 2), f)
g = np.ones(9, dtype=np.bool_)
v = g[::-2]
print(mark(v, 1), g, v[-1], v[0])
g[-1] = 0
print(g[8], g[-9], g)
print(f[20])
