# a NaN quantile is out of range: ValueError
import math

import numpy as np

a = np.array([3, 1, 2])
print(np.quantile(a, 1), np.quantile(a, 0.5))
print(np.quantile(a, math.nan))
