# np.random.seed outside [0, 2**32 - 1] raises ValueError
import numpy as np

np.random.seed(2**32 - 1)
print(np.random.random())
np.random.seed(2**32)
