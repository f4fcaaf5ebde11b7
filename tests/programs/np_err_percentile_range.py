# a percentile outside [0, 100] raises ValueError, after those inside it
import numpy as np


def pct(a, q):
    return np.percentile(a, q)


a = np.arange(10.0)
for q in (0.0, 37.5, 100.0, 100.5):
    print(q, pct(a, q))
